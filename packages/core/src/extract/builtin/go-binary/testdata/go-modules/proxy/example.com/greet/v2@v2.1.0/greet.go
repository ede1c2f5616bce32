// Package greet is the second major version of the greet test module.
package greet

// Hello greets plainly.
func Hello() string { return "hello v2" }
