//go:build tools

// Package tools pins the development-time generators (code-generator and
// controller-gen) so that their versions live here and not in the product's
// go.mod.
package tools

import (
	_ "k8s.io/code-generator"
	_ "sigs.k8s.io/controller-tools/cmd/controller-gen"
)
