# Test with bad spec definition
Gem::Specif
  s.name = "foo"
  s.version = "1.2.3"
end
