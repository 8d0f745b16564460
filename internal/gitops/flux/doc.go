// Package flux builds a GitOps repository into the objects Flux would apply:
// it finds the Flux Kustomizations a cluster starts from, builds each one's
// path with the Flux kustomize generator (targetNamespace, patches,
// components, images, namePrefix...), substitutes post-build variables
// (postBuild.substitute and the ConfigMaps of substituteFrom found in the
// repository), and follows the Kustomizations the build produces, as
// kustomize-controller would. A directory without Flux Kustomizations but
// with a kustomization.yaml is built as `kustomize build` would.
//
// Nothing is written to the repository: generated kustomization files live
// in memory. What cannot be built is a Problem naming its file and reason;
// the rest is still built.
package flux
