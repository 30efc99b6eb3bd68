{{/* The chart's name. */}}
{{- define "continuum.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: resource names start with it. */}}
{{- define "continuum.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels every resource carries. */}}
{{- define "continuum.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "continuum.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: controller
{{- end }}

{{/* The labels that select the controller's pods. */}}
{{- define "continuum.selectorLabels" -}}
app.kubernetes.io/name: {{ include "continuum.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The ServiceAccount's name. */}}
{{- define "continuum.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "continuum.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference: repository, then the digest or the tag (default appVersion). */}}
{{- define "continuum.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The Secret holding the API tokens. */}}
{{- define "continuum.apiTokenSecret" -}}
{{- default (printf "%s-api-tokens" (include "continuum.fullname" .)) .Values.api.tokens.existingSecret }}
{{- end }}

{{/* The PersistentVolumeClaim of the SQLite state. */}}
{{- define "continuum.stateClaim" -}}
{{- default (printf "%s-state" (include "continuum.fullname" .)) .Values.state.persistence.existingClaim }}
{{- end }}

{{/* The operator configuration document. */}}
{{- define "continuum.operatorConfig" -}}
apiVersion: continuum.dev/v1
kind: OperatorConfig
secretsDirectory: /etc/continuum/secrets
{{- with .Values.operatorConfig.connections }}
connections:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.operatorConfig.tenants }}
tenants:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
