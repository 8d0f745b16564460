{{/*
The chart's name, or nameOverride.
*/}}
{{- define "netinventory.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The fully qualified name of the release's objects: fullnameOverride, or the
release name, followed by the chart's name unless the release name already
holds it. At most 55 characters, so that "-manager" still fits in 63.
*/}}
{{- define "netinventory.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 55 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 55 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 55 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The chart's name and version, for the helm.sh/chart label.
*/}}
{{- define "netinventory.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object of the release.
*/}}
{{- define "netinventory.labels" -}}
helm.sh/chart: {{ include "netinventory.chart" . }}
{{ include "netinventory.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: netinventory
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Labels that select the manager's pods. Never change them in an upgrade: a
Deployment's selector is immutable.
*/}}
{{- define "netinventory.selectorLabels" -}}
app.kubernetes.io/name: {{ include "netinventory.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: manager
{{- end }}

{{/*
The ServiceAccount the manager runs as.
*/}}
{{- define "netinventory.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "netinventory.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image tag: image.tag, or the chart's appVersion.
*/}}
{{- define "netinventory.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{/*
The manager's image reference; a digest, when set, pins it.
*/}}
{{- define "netinventory.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (include "netinventory.imageTag" .) }}
{{- end }}
{{- end }}

{{/*
The namespace of a monitoring object: its own namespace value, or the
release's namespace.
*/}}
{{- define "netinventory.monitoringNamespace" -}}
{{- default .root.Release.Namespace .namespace }}
{{- end }}

{{/*
The tlsConfig of a monitor's endpoint: the values' tlsConfig, or, when it is
empty, insecureSkipVerify (the manager's certificate is self-signed unless
metrics.certSecret mounts one).
*/}}
{{- define "netinventory.monitorTLSConfig" -}}
{{- if . -}}
{{- toYaml . -}}
{{- else -}}
insecureSkipVerify: true
{{- end -}}
{{- end }}

{{/*
"true" when the CiliumNetworkPolicy is to be rendered: ciliumNetworkPolicy.enabled
true, or auto (the default) and the cluster serves cilium.io/v2
CiliumNetworkPolicy; empty otherwise.
*/}}
{{- define "netinventory.ciliumNetworkPolicyEnabled" -}}
{{- $enabled := .Values.ciliumNetworkPolicy.enabled }}
{{- if kindIs "bool" $enabled }}
{{- if $enabled }}true{{ end }}
{{- else if eq (toString $enabled) "auto" }}
{{- if .Capabilities.APIVersions.Has "cilium.io/v2/CiliumNetworkPolicy" }}true{{ end }}
{{- else }}
{{- fail (printf "ciliumNetworkPolicy.enabled is %v: want auto, true or false" $enabled) }}
{{- end }}
{{- end }}
