{{- define "llm-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "llm-gateway.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "llm-gateway.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "llm-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one component: gateway, worker, redis, mongodb. */}}
{{- define "llm-gateway.selector" -}}
app.kubernetes.io/name: {{ include "llm-gateway.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "llm-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "llm-gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "llm-gateway.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* The profile as a dict ({} when the image's builtin profile is used). */}}
{{- define "llm-gateway.profile" -}}
{{- $profile := dict }}
{{- if .Values.profile.content }}
{{- $profile = fromYaml .Values.profile.content }}
{{- if hasKey $profile "Error" }}
{{- fail (printf "profile.content is not valid YAML: %s" (get $profile "Error")) }}
{{- end }}
{{- end }}
{{- toJson $profile }}
{{- end }}

{{/* A profile's server.<key> in whole seconds, when it is a number; else the fallback. */}}
{{- define "llm-gateway.profileSeconds" -}}
{{- $profile := include "llm-gateway.profile" .root | fromJson }}
{{- $ms := dig "server" .key "" $profile }}
{{- if or (kindIs "float64" $ms) (kindIs "int64" $ms) (kindIs "int" $ms) }}
{{- div (add (int64 $ms) 999) 1000 }}
{{- else }}
{{- .fallback }}
{{- end }}
{{- end }}

{{/*
Seconds Kubernetes waits between preStop and SIGKILL: preStop, the profile's drain delay, in-flight requests
(server.shutdownTimeoutMs), the telemetry flush (bounded by the same figure again) and 5 s to exit, as the
server.workers supervisor allows its workers.
*/}}
{{- define "llm-gateway.terminationGracePeriodSeconds" -}}
{{- $shutdown := include "llm-gateway.profileSeconds" (dict "root" . "key" "shutdownTimeoutMs" "fallback" .Values.drain.shutdownTimeoutSeconds) | int64 }}
{{- $delay := include "llm-gateway.profileSeconds" (dict "root" . "key" "drainDelayMs" "fallback" 0) | int64 }}
{{- add (int64 .Values.drain.preStopSeconds) $delay (mul 2 $shutdown) 5 }}
{{- end }}

{{/* Whether the worker Deployment is rendered: `auto` follows the profile's queue section. */}}
{{- define "llm-gateway.workerEnabled" -}}
{{- $profile := include "llm-gateway.profile" . | fromJson }}
{{- if eq (toString .Values.worker.enabled) "auto" }}
{{- if or (not .Values.profile.content) (hasKey $profile "queue") }}true{{ end }}
{{- else if .Values.worker.enabled }}true{{ end }}
{{- end }}

{{/* Environment every gateway and worker container gets: the ConfigMap, then the Secrets. */}}
{{- define "llm-gateway.envFrom" -}}
- configMapRef:
    name: {{ include "llm-gateway.fullname" . }}-env
{{- if or .Values.secretEnv .Values.redis.url .Values.mongodb.uri }}
- secretRef:
    name: {{ include "llm-gateway.fullname" . }}
{{- end }}
{{- if .Values.existingSecret }}
- secretRef:
    name: {{ .Values.existingSecret }}
{{- end }}
{{- end }}

{{- define "llm-gateway.profilePath" -}}
{{- if .Values.profile.content }}/etc/llm-gateway/profile.yaml{{ else }}{{ .Values.profile.builtin }}{{ end }}
{{- end }}

{{/* Writable directories under a read-only root: the profiles' telemetry CSV, spool and quarantine (relative to /app), temp files. */}}
{{- define "llm-gateway.volumeMounts" -}}
- { name: data, mountPath: /app/telemetry_logs, subPath: telemetry_logs }
- { name: data, mountPath: /app/telemetry_spool, subPath: telemetry_spool }
- { name: data, mountPath: /app/telemetry_quarantine, subPath: telemetry_quarantine }
- { name: tmp, mountPath: /tmp }
{{- if .Values.profile.content }}
- { name: profile, mountPath: /etc/llm-gateway, readOnly: true }
{{- end }}
{{- end }}

{{- define "llm-gateway.volumes" -}}
- name: data
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- if .Values.profile.content }}
- name: profile
  configMap:
    name: {{ include "llm-gateway.fullname" . }}-profile
{{- end }}
{{- end }}
