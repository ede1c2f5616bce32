// Package local is a module in a subdirectory of the application, replaced by its path.
package local

// Where says where it lives.
func Where() string { return "./local" }
