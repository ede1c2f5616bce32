# -*- encoding: utf-8 -*-
# ... REDACTED ...

# Wrong attribute value assignment.
Gem::Specification.new do |spec|
    s.name = "async".freeze
    s.version = "1.25.0"

    # ... REDACTED ...
end
