# -*- encoding: utf-8 -*-
# Hand-written stand-in for syft's image-pkg-coverage/pkgs/ruby/specifications/default/unbundler.gemspec,
# which is not in the fixture copy; syft's integration test expects unbundler 3.1.4 from it.

Gem::Specification.new do |s|
  s.name = "unbundler".freeze
  s.version = "3.1.4"

  s.require_paths = ["lib".freeze]
  s.licenses = ["MIT".freeze]
end
