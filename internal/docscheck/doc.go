// Package docscheck holds the test that keeps README.md honest: every Go
// code block in it must appear, line for line, in a Go file of the module
// that is compiled and tested, so the README's examples always build.
package docscheck
