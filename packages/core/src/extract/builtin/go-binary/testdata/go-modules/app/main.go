// Command app links one module of each kind the Go build info records: plain, indirect,
// major version suffix, +incompatible, pseudo-version, replaced by a module, replaced by a
// directory.
package main

import (
	"fmt"

	"example.com/greet"
	greet2 "example.com/greet/v2"
	"example.com/incompat"
	"example.com/local"
	"example.com/old"
	"example.com/pseudo"
)

func main() {
	fmt.Println(greet.Hello(), greet2.Hello(), incompat.Answer(), local.Where(), old.Name(), pseudo.Commit())
}
