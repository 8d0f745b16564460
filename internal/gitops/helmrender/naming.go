package helmrender

import (
	"crypto/sha256"
	"encoding/hex"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
)

// maxReleaseNameLen is Helm's limit on a release name.
const maxReleaseNameLen = 53

// ReleaseName is the name helm-controller installs hr's release under:
// spec.releaseName, else [spec.targetNamespace-]metadata.name; a name longer
// than 53 characters (Helm's limit) becomes its first 40 characters, a dash
// and the first 12 hexadecimal digits of the SHA-256 of the whole name.
func ReleaseName(hr *helmv2.HelmRelease) string {
	return shortenReleaseName(hr.GetReleaseName())
}

func shortenReleaseName(name string) string {
	if len(name) <= maxReleaseNameLen {
		return name
	}
	const hashLen = 12
	sum := sha256.Sum256([]byte(name))
	return name[:maxReleaseNameLen-hashLen-1] + "-" + hex.EncodeToString(sum[:])[:hashLen]
}
