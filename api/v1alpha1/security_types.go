package v1alpha1

// SecurityPolicyList is the bounded list of Envoy Gateway SecurityPolicies.
type SecurityPolicyList struct {
	ListBounds `json:",inline"`
	// Items, sorted by namespace and name.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=2000
	Items []SecurityPolicyEntry `json:"items,omitempty"`
}

// SecurityPolicyEntry describes one SecurityPolicy.
type SecurityPolicyEntry struct {
	// Namespace of the policy.
	Namespace string `json:"namespace"`
	// Name of the policy.
	Name string `json:"name"`
	// Targets as written: `Kind/name[#section]` for targetRefs,
	// `Kind{label=value}` for targetSelectors.
	// +optional
	// +listType=atomic
	Targets []string `json:"targets,omitempty"`
	// Methods the policy configures: JWT, OIDC, BasicAuth, APIKeyAuth,
	// ExtAuth, Authorization.
	// +optional
	// +listType=atomic
	Methods []string `json:"methods,omitempty"`
	// JWTProviders of the policy's JWT authentication.
	// +optional
	// +listType=atomic
	JWTProviders []JWTProviderEntry `json:"jwtProviders,omitempty"`
	// JWTOptional is true when requests without a token are let through.
	// +optional
	JWTOptional bool `json:"jwtOptional,omitempty"`
	// OIDC is the policy's OpenID Connect configuration.
	// +optional
	OIDC *OIDCEntry `json:"oidc,omitempty"`
	// Protects are the routes and gateways the policy applies to, as
	// Kind/namespace/name.
	// +optional
	// +listType=atomic
	Protects []string `json:"protects,omitempty"`
	// Accepted is the policy's Accepted condition as its controller reports
	// it for its ancestors: True, False, or Unknown without status.
	// +optional
	Accepted string `json:"accepted,omitempty"`
	// Overridden is True when its controller reports that a more specific
	// policy overrides it for some ancestor.
	// +optional
	Overridden string `json:"overridden,omitempty"`
	// MergeType is the policy's mergeType: how it merges into the
	// gateway-side policy instead of replacing it.
	// +optional
	MergeType string `json:"mergeType,omitempty"`
}

// JWTProviderEntry is one JWT provider.
type JWTProviderEntry struct {
	// Name of the provider.
	Name string `json:"name"`
	// Issuer the token must carry.
	// +optional
	Issuer string `json:"issuer,omitempty"`
	// JWKSURI the keys are fetched from.
	// +optional
	JWKSURI string `json:"jwksURI,omitempty"`
	// ClaimToHeaders are the claims forwarded to backends as headers.
	// +optional
	// +listType=atomic
	ClaimToHeaders []ClaimToHeader `json:"claimToHeaders,omitempty"`
}

// ClaimToHeader forwards one claim as one header.
type ClaimToHeader struct {
	// Claim name; nested claims with dots.
	Claim string `json:"claim"`
	// Header it is forwarded as.
	Header string `json:"header"`
}

// OIDCEntry describes an OpenID Connect configuration.
type OIDCEntry struct {
	// ClientID of the gateway at the provider.
	ClientID string `json:"clientID"`
	// Issuer of the provider.
	Issuer string `json:"issuer"`
	// AuthorizationEndpoint the browser is sent to.
	// +optional
	AuthorizationEndpoint string `json:"authorizationEndpoint,omitempty"`
	// TokenEndpoint the gateway exchanges codes at.
	// +optional
	TokenEndpoint string `json:"tokenEndpoint,omitempty"`
	// SplitPath is true when the authorization endpoint is external and the
	// token endpoint in-cluster (different hosts).
	// +optional
	SplitPath bool `json:"splitPath,omitempty"`
	// CookieDomain of the session cookies.
	// +optional
	CookieDomain string `json:"cookieDomain,omitempty"`
	// Scopes requested.
	// +optional
	// +listType=atomic
	Scopes []string `json:"scopes,omitempty"`
}

// ReferenceGrantList is the bounded list of ReferenceGrants.
type ReferenceGrantList struct {
	ListBounds `json:",inline"`
	// Items, sorted by namespace and name.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=2000
	Items []ReferenceGrantEntry `json:"items,omitempty"`
}

// ReferenceGrantEntry describes one ReferenceGrant.
type ReferenceGrantEntry struct {
	// Namespace of the grant, where the referenced objects live.
	Namespace string `json:"namespace"`
	// Name of the grant.
	Name string `json:"name"`
	// From are the referrers allowed, as group/Kind in namespace.
	// +optional
	// +listType=atomic
	From []GrantFrom `json:"from,omitempty"`
	// To are the referents allowed, as group/Kind and optional name.
	// +optional
	// +listType=atomic
	To []GrantTo `json:"to,omitempty"`
	// Purpose from the `netinventory.io/purpose` annotation, else derived
	// from From and To.
	// +optional
	Purpose string `json:"purpose,omitempty"`
	// References is the number of references that rely on this grant.
	References int32 `json:"references"`
}

// GrantFrom is a referrer a ReferenceGrant allows.
type GrantFrom struct {
	// Group of the referrer.
	// +optional
	Group string `json:"group,omitempty"`
	// Kind of the referrer.
	Kind string `json:"kind"`
	// Namespace of the referrer.
	Namespace string `json:"namespace"`
}

// GrantTo is a referent a ReferenceGrant allows.
type GrantTo struct {
	// Group of the referent; empty for the core group.
	// +optional
	Group string `json:"group,omitempty"`
	// Kind of the referent.
	Kind string `json:"kind"`
	// Name of the referent; empty: any.
	// +optional
	Name string `json:"name,omitempty"`
}
