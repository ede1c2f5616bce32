// Package old is served as example.com/fork v1.0.1, a fork that replaces example.com/old.
package old

// Name says which copy was linked.
func Name() string { return "fork" }
