package snapshot

// BlockYAMLToJSON exposes blockYAMLToJSON to the external tests, which
// build corpora with the synthetic package (it imports this one).
var BlockYAMLToJSON = blockYAMLToJSON

// ReadDocuments exposes readDocuments, which splits the repository's files
// into documents as the loader does.
var ReadDocuments = readDocuments
