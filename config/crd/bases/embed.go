// Package bases embeds the CRDs controller-gen generates into this
// directory (make generate), so Go code validates objects against exactly
// what the API server is given. controller-gen only writes the YAML files;
// this file is not generated.
package bases

import _ "embed"

// NetworkInventories is the CustomResourceDefinition of NetworkInventory,
// as generated from api/v1alpha1.
//
//go:embed netinventory.io_networkinventories.yaml
var NetworkInventories []byte
