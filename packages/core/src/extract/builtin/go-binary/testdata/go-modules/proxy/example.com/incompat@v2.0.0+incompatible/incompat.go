// Package incompat has no go.mod, so its v2 release is +incompatible.
package incompat

// Answer is a constant.
func Answer() int { return 42 }
