// Package greet is a test module with one dependency of its own (example.com/color).
package greet

import "example.com/color"

// Hello greets in red.
func Hello() string { return color.Red("hello") }
