#  Invalid gemspec file for testing
# -*- encoding: utf-8 -*-
# stub: rss 0.2.9 ruby lib

Gem::Specification.new do |s|
  s.name =
