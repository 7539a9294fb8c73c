// Package docscheck holds the tests that keep README.md honest: every Go
// code block in it compiles as a reader who copies it would compile it
// (Snippet.Source says how), and every block of statements appears, line
// for line, in an example of the module whose output is checked.
package docscheck
