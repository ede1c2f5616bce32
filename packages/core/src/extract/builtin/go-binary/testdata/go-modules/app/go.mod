module example.com/app

go 1.18

require (
	example.com/greet v1.2.3
	example.com/greet/v2 v2.1.0
	example.com/incompat v2.0.0+incompatible
	example.com/local v0.0.0
	example.com/old v1.0.0
	example.com/pseudo v0.0.0-20240102030405-abcdefabcdef
)

// A module replaced by another module at a version: the binary records both.
replace example.com/old v1.0.0 => example.com/fork v1.0.1

// A module replaced by a directory (as Kubernetes does with its staging modules): no version.
replace example.com/local => ./local
