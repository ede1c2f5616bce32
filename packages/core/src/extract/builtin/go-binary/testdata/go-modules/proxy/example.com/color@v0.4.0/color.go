// Package color is an indirect dependency of the test application.
package color

// Red wraps s in the ANSI escape codes for red.
func Red(s string) string { return "\x1b[31m" + s + "\x1b[0m" }
