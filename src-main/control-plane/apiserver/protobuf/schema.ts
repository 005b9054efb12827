/**
 * Skiff's own protobuf schema of the Kubernetes API messages that typed clients (kubectl 1.32's
 * `create <generator>`, `autoscale`, `auth can-i`, `auth whoami`) send as request bodies, with
 * everything those messages nest. Field numbers and names follow the Kubernetes wire protocol
 * (k8s.io/api and k8s.io/apimachinery); the notation is ours, read by ./decode.ts:
 *
 *   `<number> <jsonName> <type>[*|?]` separated by `; ` where type is
 *   s string · b bool · i varint integer · f double · B bytes (→ base64) · T Time/MicroTime
 *   (→ RFC 3339) · D Duration · Q Quantity (→ string) · I IntOrString (→ number|string) ·
 *   R RawExtension/FieldsV1 (→ JSON) · map<v> a string-keyed map of v · @pkg.Message.
 *   `^` as the name: an embedded Go struct whose fields are inlined in JSON.
 *   `*` repeated; `?` a Go pointer: its zero value is meaningful and kept (gogo writes every
 *   non-pointer field, so zero values of the others are dropped, as JSON's omitempty would).
 *
 * Packages: core=v1, apps/v1, batch/v1, autoscaling/v1, autoscalingv2=autoscaling/v2,
 * authorization.k8s.io/v1, authentication.k8s.io/v1, scheduling.k8s.io/v1, policy/v1,
 * rbac.authorization.k8s.io/v1, networking.k8s.io/v1, coordination.k8s.io/v1, meta=meta/v1.
 */
export const MESSAGES: Record<string, string> = {
  'core.Namespace': '1 metadata @meta.ObjectMeta; 2 spec @core.NamespaceSpec; 3 status @core.NamespaceStatus',
  'core.ConfigMap': '1 metadata @meta.ObjectMeta; 4 immutable b?; 2 data map<s>; 3 binaryData map<B>',
  'core.Secret': '1 metadata @meta.ObjectMeta; 5 immutable b?; 2 data map<B>; 4 stringData map<s>; 3 type s',
  'core.Service': '1 metadata @meta.ObjectMeta; 2 spec @core.ServiceSpec; 3 status @core.ServiceStatus',
  'core.ServiceAccount':
    '1 metadata @meta.ObjectMeta; 2 secrets @core.ObjectReference*; 3 imagePullSecrets @core.LocalObjectReference*; 4 automountServiceAccountToken b?',
  'core.ResourceQuota':
    '1 metadata @meta.ObjectMeta; 2 spec @core.ResourceQuotaSpec; 3 status @core.ResourceQuotaStatus',
  'core.Pod': '1 metadata @meta.ObjectMeta; 2 spec @core.PodSpec; 3 status @core.PodStatus',
  'apps.Deployment':
    '1 metadata @meta.ObjectMeta; 2 spec @apps.DeploymentSpec; 3 status @apps.DeploymentStatus',
  'batch.Job': '1 metadata @meta.ObjectMeta; 2 spec @batch.JobSpec; 3 status @batch.JobStatus',
  'batch.CronJob': '1 metadata @meta.ObjectMeta; 2 spec @batch.CronJobSpec; 3 status @batch.CronJobStatus',
  'scheduling.PriorityClass':
    '1 metadata @meta.ObjectMeta; 2 value i; 3 globalDefault b; 4 description s; 5 preemptionPolicy s?',
  'autoscaling.HorizontalPodAutoscaler':
    '1 metadata @meta.ObjectMeta; 2 spec @autoscaling.HorizontalPodAutoscalerSpec; 3 status @autoscaling.HorizontalPodAutoscalerStatus',
  'autoscalingv2.HorizontalPodAutoscaler':
    '1 metadata @meta.ObjectMeta; 2 spec @autoscalingv2.HorizontalPodAutoscalerSpec; 3 status @autoscalingv2.HorizontalPodAutoscalerStatus',
  'authorization.SelfSubjectAccessReview':
    '1 metadata @meta.ObjectMeta; 2 spec @authorization.SelfSubjectAccessReviewSpec; 3 status @authorization.SubjectAccessReviewStatus',
  'authorization.SelfSubjectRulesReview':
    '1 metadata @meta.ObjectMeta; 2 spec @authorization.SelfSubjectRulesReviewSpec; 3 status @authorization.SubjectRulesReviewStatus',
  'authentication.SelfSubjectReview':
    '1 metadata @meta.ObjectMeta; 2 status @authentication.SelfSubjectReviewStatus',
  'authentication.TokenRequest':
    '1 metadata @meta.ObjectMeta; 2 spec @authentication.TokenRequestSpec; 3 status @authentication.TokenRequestStatus',
  'policy.PodDisruptionBudget':
    '1 metadata @meta.ObjectMeta; 2 spec @policy.PodDisruptionBudgetSpec; 3 status @policy.PodDisruptionBudgetStatus',
  'networking.Ingress':
    '1 metadata @meta.ObjectMeta; 2 spec @networking.IngressSpec; 3 status @networking.IngressStatus',
  'rbac.Role': '1 metadata @meta.ObjectMeta; 2 rules @rbac.PolicyRule*',
  'rbac.RoleBinding': '1 metadata @meta.ObjectMeta; 2 subjects @rbac.Subject*; 3 roleRef @rbac.RoleRef',
  'rbac.ClusterRole':
    '1 metadata @meta.ObjectMeta; 2 rules @rbac.PolicyRule*; 3 aggregationRule @rbac.AggregationRule?',
  'rbac.ClusterRoleBinding':
    '1 metadata @meta.ObjectMeta; 2 subjects @rbac.Subject*; 3 roleRef @rbac.RoleRef',
  'coordination.Lease': '1 metadata @meta.ObjectMeta; 2 spec @coordination.LeaseSpec',
  'core.Event':
    '1 metadata @meta.ObjectMeta; 2 involvedObject @core.ObjectReference; 3 reason s; 4 message s; 5 source @core.EventSource; 6 firstTimestamp T; 7 lastTimestamp T; 8 count i; 9 type s; 10 eventTime T; 11 series @core.EventSeries?; 12 action s; 13 related @core.ObjectReference?; 14 reportingComponent s; 15 reportingInstance s',
  'meta.ObjectMeta':
    '1 name s; 2 generateName s; 3 namespace s; 4 selfLink s; 5 uid s; 6 resourceVersion s; 7 generation i; 8 creationTimestamp T; 9 deletionTimestamp T?; 10 deletionGracePeriodSeconds i?; 11 labels map<s>; 12 annotations map<s>; 13 ownerReferences @meta.OwnerReference*; 14 finalizers s*; 17 managedFields @meta.ManagedFieldsEntry*',
  'core.NamespaceSpec': '1 finalizers s*',
  'core.NamespaceStatus': '1 phase s; 2 conditions @core.NamespaceCondition*',
  'core.ServiceSpec':
    '1 ports @core.ServicePort*; 2 selector map<s>; 3 clusterIP s; 18 clusterIPs s*; 4 type s; 5 externalIPs s*; 7 sessionAffinity s; 8 loadBalancerIP s; 9 loadBalancerSourceRanges s*; 10 externalName s; 11 externalTrafficPolicy s; 12 healthCheckNodePort i; 13 publishNotReadyAddresses b; 14 sessionAffinityConfig @core.SessionAffinityConfig?; 19 ipFamilies s*; 17 ipFamilyPolicy s?; 20 allocateLoadBalancerNodePorts b?; 21 loadBalancerClass s?; 22 internalTrafficPolicy s?; 23 trafficDistribution s?',
  'core.ServiceStatus': '1 loadBalancer @core.LoadBalancerStatus; 2 conditions @meta.Condition*',
  'core.ObjectReference':
    '1 kind s; 2 namespace s; 3 name s; 4 uid s; 5 apiVersion s; 6 resourceVersion s; 7 fieldPath s',
  'core.LocalObjectReference': '1 name s',
  'core.ResourceQuotaSpec': '1 hard map<Q>; 2 scopes s*; 3 scopeSelector @core.ScopeSelector?',
  'core.ResourceQuotaStatus': '1 hard map<Q>; 2 used map<Q>',
  'core.PodSpec':
    '1 volumes @core.Volume*; 20 initContainers @core.Container*; 2 containers @core.Container*; 34 ephemeralContainers @core.EphemeralContainer*; 3 restartPolicy s; 4 terminationGracePeriodSeconds i?; 5 activeDeadlineSeconds i?; 6 dnsPolicy s; 7 nodeSelector map<s>; 8 serviceAccountName s; 9 serviceAccount s; 21 automountServiceAccountToken b?; 10 nodeName s; 11 hostNetwork b; 12 hostPID b; 13 hostIPC b; 27 shareProcessNamespace b?; 14 securityContext @core.PodSecurityContext?; 15 imagePullSecrets @core.LocalObjectReference*; 16 hostname s; 17 subdomain s; 18 affinity @core.Affinity?; 19 schedulerName s; 22 tolerations @core.Toleration*; 23 hostAliases @core.HostAlias*; 24 priorityClassName s; 25 priority i?; 26 dnsConfig @core.PodDNSConfig?; 28 readinessGates @core.PodReadinessGate*; 29 runtimeClassName s?; 30 enableServiceLinks b?; 31 preemptionPolicy s?; 32 overhead map<Q>; 33 topologySpreadConstraints @core.TopologySpreadConstraint*; 35 setHostnameAsFQDN b?; 36 os @core.PodOS?; 37 hostUsers b?; 38 schedulingGates @core.PodSchedulingGate*; 39 resourceClaims @core.PodResourceClaim*; 40 resources @core.ResourceRequirements?; 41 hostnameOverride s?; 43 schedulingGroup @core.PodSchedulingGroup?; 44 evictionResponders @core.EvictionResponder*',
  'core.PodStatus':
    '17 observedGeneration i; 1 phase s; 2 conditions @core.PodCondition*; 3 message s; 4 reason s; 11 nominatedNodeName s; 5 hostIP s; 16 hostIPs @core.HostIP*; 6 podIP s; 12 podIPs @core.PodIP*; 7 startTime T?; 10 initContainerStatuses @core.ContainerStatus*; 8 containerStatuses @core.ContainerStatus*; 9 qosClass s; 13 ephemeralContainerStatuses @core.ContainerStatus*; 14 resize s; 15 resourceClaimStatuses @core.PodResourceClaimStatus*; 18 extendedResourceClaimStatus @core.PodExtendedResourceClaimStatus?; 19 allocatedResources map<Q>; 20 resources @core.ResourceRequirements?; 21 nodeAllocatableResourceClaimStatuses @core.NodeAllocatableResourceClaimStatus*; 22 volumeHealth @core.PodVolumeHealth*',
  'apps.DeploymentSpec':
    '1 replicas i?; 2 selector @meta.LabelSelector?; 3 template @core.PodTemplateSpec; 4 strategy @apps.DeploymentStrategy; 5 minReadySeconds i; 6 revisionHistoryLimit i?; 7 paused b; 9 progressDeadlineSeconds i?',
  'apps.DeploymentStatus':
    '1 observedGeneration i; 2 replicas i; 3 updatedReplicas i; 7 readyReplicas i; 4 availableReplicas i; 5 unavailableReplicas i; 9 terminatingReplicas i?; 6 conditions @apps.DeploymentCondition*; 8 collisionCount i?',
  'batch.JobSpec':
    '1 parallelism i?; 2 completions i?; 3 activeDeadlineSeconds i?; 11 podFailurePolicy @batch.PodFailurePolicy?; 16 successPolicy @batch.SuccessPolicy?; 7 backoffLimit i?; 12 backoffLimitPerIndex i?; 13 maxFailedIndexes i?; 4 selector @meta.LabelSelector?; 5 manualSelector b?; 6 template @core.PodTemplateSpec; 8 ttlSecondsAfterFinished i?; 9 completionMode s?; 10 suspend b?; 14 podReplacementPolicy s?; 15 managedBy s?',
  'batch.JobStatus':
    '1 conditions @batch.JobCondition*; 2 startTime T?; 3 completionTime T?; 4 active i; 5 succeeded i; 6 failed i; 11 terminating i?; 7 completedIndexes s; 10 failedIndexes s?; 8 uncountedTerminatedPods @batch.UncountedTerminatedPods?; 9 ready i?',
  'batch.CronJobSpec':
    '1 schedule s; 8 timeZone s?; 2 startingDeadlineSeconds i?; 3 concurrencyPolicy s; 4 suspend b?; 5 jobTemplate @batch.JobTemplateSpec; 6 successfulJobsHistoryLimit i?; 7 failedJobsHistoryLimit i?',
  'batch.CronJobStatus': '1 active @core.ObjectReference*; 4 lastScheduleTime T?; 5 lastSuccessfulTime T?',
  'autoscaling.HorizontalPodAutoscalerSpec':
    '1 scaleTargetRef @autoscaling.CrossVersionObjectReference; 2 minReplicas i?; 3 maxReplicas i; 4 targetCPUUtilizationPercentage i?',
  'autoscaling.HorizontalPodAutoscalerStatus':
    '1 observedGeneration i?; 2 lastScaleTime T?; 3 currentReplicas i; 4 desiredReplicas i; 5 currentCPUUtilizationPercentage i?',
  'autoscalingv2.HorizontalPodAutoscalerSpec':
    '1 scaleTargetRef @autoscalingv2.CrossVersionObjectReference; 2 minReplicas i?; 3 maxReplicas i; 4 metrics @autoscalingv2.MetricSpec*; 5 behavior @autoscalingv2.HorizontalPodAutoscalerBehavior?',
  'autoscalingv2.HorizontalPodAutoscalerStatus':
    '1 observedGeneration i?; 2 lastScaleTime T?; 3 currentReplicas i; 4 desiredReplicas i; 5 currentMetrics @autoscalingv2.MetricStatus*; 6 conditions @autoscalingv2.HorizontalPodAutoscalerCondition*',
  'authorization.SelfSubjectAccessReviewSpec':
    '1 resourceAttributes @authorization.ResourceAttributes?; 2 nonResourceAttributes @authorization.NonResourceAttributes?',
  'authorization.SubjectAccessReviewStatus': '1 allowed b; 4 denied b; 2 reason s; 3 evaluationError s',
  'authorization.SelfSubjectRulesReviewSpec': '1 namespace s',
  'authorization.SubjectRulesReviewStatus':
    '1 resourceRules @authorization.ResourceRule*; 2 nonResourceRules @authorization.NonResourceRule*; 3 incomplete b; 4 evaluationError s',
  'authentication.SelfSubjectReviewStatus': '1 userInfo @authentication.UserInfo',
  'authentication.TokenRequestSpec':
    '1 audiences s*; 4 expirationSeconds i?; 3 boundObjectRef @authentication.BoundObjectReference?; 5 attestations map<s>',
  'authentication.TokenRequestStatus': '1 token s; 2 expirationTimestamp T',
  'policy.PodDisruptionBudgetSpec':
    '1 minAvailable I?; 2 selector @meta.LabelSelector?; 3 maxUnavailable I?; 4 unhealthyPodEvictionPolicy s?',
  'policy.PodDisruptionBudgetStatus':
    '1 observedGeneration i; 2 disruptedPods map<T>; 3 disruptionsAllowed i; 4 currentHealthy i; 5 desiredHealthy i; 6 expectedPods i; 7 conditions @meta.Condition*',
  'networking.IngressSpec':
    '4 ingressClassName s?; 1 defaultBackend @networking.IngressBackend?; 2 tls @networking.IngressTLS*; 3 rules @networking.IngressRule*',
  'networking.IngressStatus': '1 loadBalancer @networking.IngressLoadBalancerStatus',
  'rbac.PolicyRule': '1 verbs s*; 2 apiGroups s*; 3 resources s*; 4 resourceNames s*; 5 nonResourceURLs s*',
  'rbac.Subject': '1 kind s; 2 apiGroup s; 3 name s; 4 namespace s',
  'rbac.RoleRef': '1 apiGroup s; 2 kind s; 3 name s',
  'rbac.AggregationRule': '1 clusterRoleSelectors @meta.LabelSelector*',
  'coordination.LeaseSpec':
    '1 holderIdentity s?; 2 leaseDurationSeconds i?; 3 acquireTime T?; 4 renewTime T?; 5 leaseTransitions i?; 6 strategy s?; 7 preferredHolder s?',
  'core.EventSource': '1 component s; 2 host s',
  'core.EventSeries': '1 count i; 2 lastObservedTime T',
  'meta.OwnerReference':
    '5 apiVersion s; 1 kind s; 3 name s; 4 uid s; 6 controller b?; 7 blockOwnerDeletion b?',
  'meta.ManagedFieldsEntry':
    '1 manager s; 2 operation s; 3 apiVersion s; 4 time T?; 6 fieldsType s; 7 fieldsV1 R; 8 subresource s',
  'core.NamespaceCondition': '1 type s; 2 status s; 4 lastTransitionTime T; 5 reason s; 6 message s',
  'core.ServicePort': '1 name s; 2 protocol s; 6 appProtocol s?; 3 port i; 4 targetPort I; 5 nodePort i',
  'core.SessionAffinityConfig': '1 clientIP @core.ClientIPConfig?',
  'core.LoadBalancerStatus': '1 ingress @core.LoadBalancerIngress*',
  'meta.Condition':
    '1 type s; 2 status s; 3 observedGeneration i; 4 lastTransitionTime T; 5 reason s; 6 message s',
  'core.ScopeSelector': '1 matchExpressions @core.ScopedResourceSelectorRequirement*',
  'core.Volume': '1 name s; 2 ^ @core.VolumeSource',
  'core.Container':
    '1 name s; 2 image s; 3 command s*; 4 args s*; 5 workingDir s; 6 ports @core.ContainerPort*; 19 envFrom @core.EnvFromSource*; 7 env @core.EnvVar*; 8 resources @core.ResourceRequirements; 23 resizePolicy @core.ContainerResizePolicy*; 24 restartPolicy s?; 25 restartPolicyRules @core.ContainerRestartRule*; 9 volumeMounts @core.VolumeMount*; 21 volumeDevices @core.VolumeDevice*; 10 livenessProbe @core.Probe?; 11 readinessProbe @core.Probe?; 22 startupProbe @core.Probe?; 12 lifecycle @core.Lifecycle?; 13 terminationMessagePath s; 20 terminationMessagePolicy s; 14 imagePullPolicy s; 15 securityContext @core.SecurityContext?; 16 stdin b; 17 stdinOnce b; 18 tty b',
  'core.EphemeralContainer': '1 ^ @core.EphemeralContainerCommon; 2 targetContainerName s',
  'core.PodSecurityContext':
    '1 seLinuxOptions @core.SELinuxOptions?; 8 windowsOptions @core.WindowsSecurityContextOptions?; 2 runAsUser i?; 6 runAsGroup i?; 3 runAsNonRoot b?; 4 supplementalGroups i*; 12 supplementalGroupsPolicy s?; 5 fsGroup i?; 7 sysctls @core.Sysctl*; 9 fsGroupChangePolicy s?; 10 seccompProfile @core.SeccompProfile?; 11 appArmorProfile @core.AppArmorProfile?; 13 seLinuxChangePolicy s?',
  'core.Affinity':
    '1 nodeAffinity @core.NodeAffinity?; 2 podAffinity @core.PodAffinity?; 3 podAntiAffinity @core.PodAntiAffinity?',
  'core.Toleration': '1 key s; 2 operator s; 3 value s; 4 effect s; 5 tolerationSeconds i?',
  'core.HostAlias': '1 ip s; 2 hostnames s*',
  'core.PodDNSConfig': '1 nameservers s*; 2 searches s*; 3 options @core.PodDNSConfigOption*',
  'core.PodReadinessGate': '1 conditionType s',
  'core.TopologySpreadConstraint':
    '1 maxSkew i; 2 topologyKey s; 3 whenUnsatisfiable s; 4 labelSelector @meta.LabelSelector?; 5 minDomains i?; 6 nodeAffinityPolicy s?; 7 nodeTaintsPolicy s?; 8 matchLabelKeys s*',
  'core.PodOS': '1 name s',
  'core.PodSchedulingGate': '1 name s',
  'core.PodResourceClaim': '1 name s; 3 resourceClaimName s?; 4 resourceClaimTemplateName s?',
  'core.ResourceRequirements': '1 limits map<Q>; 2 requests map<Q>; 3 claims @core.ResourceClaim*',
  'core.PodSchedulingGroup': '1 podGroupName s?',
  'core.EvictionResponder': '1 name s; 2 priority i?',
  'core.PodCondition':
    '1 type s; 7 observedGeneration i; 2 status s; 3 lastProbeTime T; 4 lastTransitionTime T; 5 reason s; 6 message s',
  'core.HostIP': '1 ip s',
  'core.PodIP': '1 ip s',
  'core.ContainerStatus':
    '1 name s; 2 state @core.ContainerState; 3 lastState @core.ContainerState; 4 ready b; 5 restartCount i; 6 image s; 7 imageID s; 8 containerID s; 9 started b?; 10 allocatedResources map<Q>; 11 resources @core.ResourceRequirements?; 12 volumeMounts @core.VolumeMountStatus*; 13 user @core.ContainerUser?; 14 allocatedResourcesStatus @core.ResourceStatus*; 15 stopSignal s?',
  'core.PodResourceClaimStatus': '1 name s; 2 resourceClaimName s?',
  'core.PodExtendedResourceClaimStatus':
    '1 requestMappings @core.ContainerExtendedResourceRequest*; 2 resourceClaimName s',
  'core.NodeAllocatableResourceClaimStatus':
    '1 resourceClaimName s; 2 containers s*; 4 mapping @core.NodeAllocatableMappedResources*; 5 overhead @core.NodeAllocatableOverheadResources*',
  'core.PodVolumeHealth': '1 name s; 2 healthConditions @core.VolumeHealthCondition*; 3 lastTransitionTime T',
  'meta.LabelSelector': '1 matchLabels map<s>; 2 matchExpressions @meta.LabelSelectorRequirement*',
  'core.PodTemplateSpec': '1 metadata @meta.ObjectMeta; 2 spec @core.PodSpec',
  'apps.DeploymentStrategy': '1 type s; 2 rollingUpdate @apps.RollingUpdateDeployment?',
  'apps.DeploymentCondition':
    '1 type s; 2 status s; 6 lastUpdateTime T; 7 lastTransitionTime T; 4 reason s; 5 message s',
  'batch.PodFailurePolicy': '1 rules @batch.PodFailurePolicyRule*',
  'batch.SuccessPolicy': '1 rules @batch.SuccessPolicyRule*',
  'batch.JobCondition':
    '1 type s; 2 status s; 3 lastProbeTime T; 4 lastTransitionTime T; 5 reason s; 6 message s',
  'batch.UncountedTerminatedPods': '1 succeeded s*; 2 failed s*',
  'batch.JobTemplateSpec': '1 metadata @meta.ObjectMeta; 2 spec @batch.JobSpec',
  'autoscaling.CrossVersionObjectReference': '1 kind s; 2 name s; 3 apiVersion s',
  'autoscalingv2.CrossVersionObjectReference': '1 kind s; 2 name s; 3 apiVersion s',
  'autoscalingv2.MetricSpec':
    '1 type s; 2 object @autoscalingv2.ObjectMetricSource?; 3 pods @autoscalingv2.PodsMetricSource?; 4 resource @autoscalingv2.ResourceMetricSource?; 7 containerResource @autoscalingv2.ContainerResourceMetricSource?; 5 external @autoscalingv2.ExternalMetricSource?',
  'autoscalingv2.HorizontalPodAutoscalerBehavior':
    '1 scaleUp @autoscalingv2.HPAScalingRules?; 2 scaleDown @autoscalingv2.HPAScalingRules?',
  'autoscalingv2.MetricStatus':
    '1 type s; 2 object @autoscalingv2.ObjectMetricStatus?; 3 pods @autoscalingv2.PodsMetricStatus?; 4 resource @autoscalingv2.ResourceMetricStatus?; 7 containerResource @autoscalingv2.ContainerResourceMetricStatus?; 5 external @autoscalingv2.ExternalMetricStatus?',
  'autoscalingv2.HorizontalPodAutoscalerCondition':
    '1 type s; 2 status s; 3 lastTransitionTime T; 4 reason s; 5 message s; 6 observedGeneration i?',
  'authorization.ResourceAttributes':
    '1 namespace s; 2 verb s; 3 group s; 4 version s; 5 resource s; 6 subresource s; 7 name s; 8 fieldSelector @authorization.FieldSelectorAttributes?; 9 labelSelector @authorization.LabelSelectorAttributes?',
  'authorization.NonResourceAttributes': '1 path s; 2 verb s',
  'authorization.ResourceRule': '1 verbs s*; 2 apiGroups s*; 3 resources s*; 4 resourceNames s*',
  'authorization.NonResourceRule': '1 verbs s*; 2 nonResourceURLs s*',
  'authentication.UserInfo': '1 username s; 2 uid s; 3 groups s*; 4 extra map<s>',
  'authentication.BoundObjectReference': '1 kind s; 2 apiVersion s; 3 name s; 4 uid s',
  'networking.IngressBackend':
    '4 service @networking.IngressServiceBackend?; 3 resource @core.TypedLocalObjectReference?',
  'networking.IngressTLS': '1 hosts s*; 2 secretName s',
  'networking.IngressRule': '1 host s; 2 ^ @networking.IngressRuleValue',
  'networking.IngressLoadBalancerStatus': '1 ingress @networking.IngressLoadBalancerIngress*',
  'core.ClientIPConfig': '1 timeoutSeconds i?',
  'core.LoadBalancerIngress': '1 ip s; 2 hostname s; 3 ipMode s?; 4 ports @core.PortStatus*',
  'core.ScopedResourceSelectorRequirement': '1 scopeName s; 2 operator s; 3 values s*',
  'core.VolumeSource':
    '1 hostPath @core.HostPathVolumeSource?; 2 emptyDir @core.EmptyDirVolumeSource?; 3 gcePersistentDisk @core.GCEPersistentDiskVolumeSource?; 4 awsElasticBlockStore @core.AWSElasticBlockStoreVolumeSource?; 5 gitRepo @core.GitRepoVolumeSource?; 6 secret @core.SecretVolumeSource?; 7 nfs @core.NFSVolumeSource?; 8 iscsi @core.ISCSIVolumeSource?; 9 glusterfs @core.GlusterfsVolumeSource?; 10 persistentVolumeClaim @core.PersistentVolumeClaimVolumeSource?; 11 rbd @core.RBDVolumeSource?; 12 flexVolume @core.FlexVolumeSource?; 13 cinder @core.CinderVolumeSource?; 14 cephfs @core.CephFSVolumeSource?; 15 flocker @core.FlockerVolumeSource?; 16 downwardAPI @core.DownwardAPIVolumeSource?; 17 fc @core.FCVolumeSource?; 18 azureFile @core.AzureFileVolumeSource?; 19 configMap @core.ConfigMapVolumeSource?; 20 vsphereVolume @core.VsphereVirtualDiskVolumeSource?; 21 quobyte @core.QuobyteVolumeSource?; 22 azureDisk @core.AzureDiskVolumeSource?; 23 photonPersistentDisk @core.PhotonPersistentDiskVolumeSource?; 26 projected @core.ProjectedVolumeSource?; 24 portworxVolume @core.PortworxVolumeSource?; 25 scaleIO @core.ScaleIOVolumeSource?; 27 storageos @core.StorageOSVolumeSource?; 28 csi @core.CSIVolumeSource?; 29 ephemeral @core.EphemeralVolumeSource?; 30 image @core.ImageVolumeSource?',
  'core.ContainerPort': '1 name s; 2 hostPort i; 3 containerPort i; 4 protocol s; 5 hostIP s',
  'core.EnvFromSource':
    '1 prefix s; 2 configMapRef @core.ConfigMapEnvSource?; 3 secretRef @core.SecretEnvSource?',
  'core.EnvVar': '1 name s; 2 value s; 3 valueFrom @core.EnvVarSource?',
  'core.ContainerResizePolicy': '1 resourceName s; 2 restartPolicy s',
  'core.ContainerRestartRule': '1 action s; 2 exitCodes @core.ContainerRestartRuleOnExitCodes?',
  'core.VolumeMount':
    '1 name s; 2 readOnly b; 7 recursiveReadOnly s?; 3 mountPath s; 4 subPath s; 5 mountPropagation s?; 6 subPathExpr s; 8 bindMountOptions s*',
  'core.VolumeDevice': '1 name s; 2 devicePath s',
  'core.Probe':
    '1 ^ @core.ProbeHandler; 2 initialDelaySeconds i; 3 timeoutSeconds i; 4 periodSeconds i; 5 successThreshold i; 6 failureThreshold i; 7 terminationGracePeriodSeconds i?',
  'core.Lifecycle': '1 postStart @core.LifecycleHandler?; 2 preStop @core.LifecycleHandler?; 3 stopSignal s?',
  'core.SecurityContext':
    '1 capabilities @core.Capabilities?; 2 privileged b?; 3 seLinuxOptions @core.SELinuxOptions?; 10 windowsOptions @core.WindowsSecurityContextOptions?; 4 runAsUser i?; 8 runAsGroup i?; 5 runAsNonRoot b?; 6 readOnlyRootFilesystem b?; 7 allowPrivilegeEscalation b?; 9 procMount s?; 11 seccompProfile @core.SeccompProfile?; 12 appArmorProfile @core.AppArmorProfile?',
  'core.EphemeralContainerCommon':
    '1 name s; 2 image s; 3 command s*; 4 args s*; 5 workingDir s; 6 ports @core.ContainerPort*; 19 envFrom @core.EnvFromSource*; 7 env @core.EnvVar*; 8 resources @core.ResourceRequirements; 23 resizePolicy @core.ContainerResizePolicy*; 24 restartPolicy s?; 25 restartPolicyRules @core.ContainerRestartRule*; 9 volumeMounts @core.VolumeMount*; 21 volumeDevices @core.VolumeDevice*; 10 livenessProbe @core.Probe?; 11 readinessProbe @core.Probe?; 22 startupProbe @core.Probe?; 12 lifecycle @core.Lifecycle?; 13 terminationMessagePath s; 20 terminationMessagePolicy s; 14 imagePullPolicy s; 15 securityContext @core.SecurityContext?; 16 stdin b; 17 stdinOnce b; 18 tty b',
  'core.SELinuxOptions': '1 user s; 2 role s; 3 type s; 4 level s',
  'core.WindowsSecurityContextOptions':
    '1 gmsaCredentialSpecName s?; 2 gmsaCredentialSpec s?; 3 runAsUserName s?; 4 hostProcess b?',
  'core.Sysctl': '1 name s; 2 value s',
  'core.SeccompProfile': '1 type s; 2 localhostProfile s?',
  'core.AppArmorProfile': '1 type s; 2 localhostProfile s?',
  'core.NodeAffinity':
    '1 requiredDuringSchedulingIgnoredDuringExecution @core.NodeSelector?; 2 preferredDuringSchedulingIgnoredDuringExecution @core.PreferredSchedulingTerm*',
  'core.PodAffinity':
    '1 requiredDuringSchedulingIgnoredDuringExecution @core.PodAffinityTerm*; 2 preferredDuringSchedulingIgnoredDuringExecution @core.WeightedPodAffinityTerm*',
  'core.PodAntiAffinity':
    '1 requiredDuringSchedulingIgnoredDuringExecution @core.PodAffinityTerm*; 2 preferredDuringSchedulingIgnoredDuringExecution @core.WeightedPodAffinityTerm*',
  'core.PodDNSConfigOption': '1 name s; 2 value s?',
  'core.ResourceClaim': '1 name s; 2 request s',
  'core.ContainerState':
    '1 waiting @core.ContainerStateWaiting?; 2 running @core.ContainerStateRunning?; 3 terminated @core.ContainerStateTerminated?',
  'core.VolumeMountStatus':
    '1 name s; 2 mountPath s; 3 readOnly b; 4 recursiveReadOnly s?; 5 volumeStatus @core.VolumeStatus?',
  'core.ContainerUser': '1 linux @core.LinuxContainerUser?',
  'core.ResourceStatus': '1 name s; 2 resources @core.ResourceHealth*',
  'core.ContainerExtendedResourceRequest': '1 containerName s; 2 resourceName s; 3 requestName s',
  'core.NodeAllocatableMappedResources': '1 name s; 2 quantity Q?',
  'core.NodeAllocatableOverheadResources': '1 name s; 2 perPod Q?; 3 perContainer Q?',
  'core.VolumeHealthCondition': '1 status s; 2 reason s; 3 message s',
  'meta.LabelSelectorRequirement': '1 key s; 2 operator s; 3 values s*',
  'apps.RollingUpdateDeployment': '1 maxUnavailable I?; 2 maxSurge I?',
  'batch.PodFailurePolicyRule':
    '1 action s; 2 onExitCodes @batch.PodFailurePolicyOnExitCodesRequirement?; 3 onPodConditions @batch.PodFailurePolicyOnPodConditionsPattern*',
  'batch.SuccessPolicyRule': '1 succeededIndexes s?; 2 succeededCount i?',
  'autoscalingv2.ObjectMetricSource':
    '1 describedObject @autoscalingv2.CrossVersionObjectReference; 2 target @autoscalingv2.MetricTarget; 3 metric @autoscalingv2.MetricIdentifier',
  'autoscalingv2.PodsMetricSource':
    '1 metric @autoscalingv2.MetricIdentifier; 2 target @autoscalingv2.MetricTarget',
  'autoscalingv2.ResourceMetricSource': '1 name s; 2 target @autoscalingv2.MetricTarget',
  'autoscalingv2.ContainerResourceMetricSource':
    '1 name s; 2 target @autoscalingv2.MetricTarget; 3 container s',
  'autoscalingv2.ExternalMetricSource':
    '1 metric @autoscalingv2.MetricIdentifier; 2 target @autoscalingv2.MetricTarget',
  'autoscalingv2.HPAScalingRules':
    '3 stabilizationWindowSeconds i?; 1 selectPolicy s?; 2 policies @autoscalingv2.HPAScalingPolicy*; 4 tolerance Q?',
  'autoscalingv2.ObjectMetricStatus':
    '1 metric @autoscalingv2.MetricIdentifier; 2 current @autoscalingv2.MetricValueStatus; 3 describedObject @autoscalingv2.CrossVersionObjectReference',
  'autoscalingv2.PodsMetricStatus':
    '1 metric @autoscalingv2.MetricIdentifier; 2 current @autoscalingv2.MetricValueStatus',
  'autoscalingv2.ResourceMetricStatus': '1 name s; 2 current @autoscalingv2.MetricValueStatus',
  'autoscalingv2.ContainerResourceMetricStatus':
    '1 name s; 2 current @autoscalingv2.MetricValueStatus; 3 container s',
  'autoscalingv2.ExternalMetricStatus':
    '1 metric @autoscalingv2.MetricIdentifier; 2 current @autoscalingv2.MetricValueStatus',
  'authorization.FieldSelectorAttributes': '1 rawSelector s; 2 requirements @meta.FieldSelectorRequirement*',
  'authorization.LabelSelectorAttributes': '1 rawSelector s; 2 requirements @meta.LabelSelectorRequirement*',
  'networking.IngressServiceBackend': '1 name s; 2 port @networking.ServiceBackendPort',
  'core.TypedLocalObjectReference': '1 apiGroup s?; 2 kind s; 3 name s',
  'networking.IngressRuleValue': '1 http @networking.HTTPIngressRuleValue?',
  'networking.IngressLoadBalancerIngress': '1 ip s; 2 hostname s; 4 ports @networking.IngressPortStatus*',
  'core.PortStatus': '1 port i; 2 protocol s; 3 error s?',
  'core.HostPathVolumeSource': '1 path s; 2 type s?',
  'core.EmptyDirVolumeSource': '1 medium s; 2 sizeLimit Q?; 3 mode i?',
  'core.GCEPersistentDiskVolumeSource': '1 pdName s; 2 fsType s; 3 partition i; 4 readOnly b',
  'core.AWSElasticBlockStoreVolumeSource': '1 volumeID s; 2 fsType s; 3 partition i; 4 readOnly b',
  'core.GitRepoVolumeSource': '1 repository s; 2 revision s; 3 directory s',
  'core.SecretVolumeSource':
    '1 secretName s; 2 items @core.KeyToPath*; 3 defaultMode i?; 4 optional b?; 5 defaultUser i?',
  'core.NFSVolumeSource': '1 server s; 2 path s; 3 readOnly b',
  'core.ISCSIVolumeSource':
    '1 targetPortal s; 2 iqn s; 3 lun i; 4 iscsiInterface s; 5 fsType s; 6 readOnly b; 7 portals s*; 8 chapAuthDiscovery b; 11 chapAuthSession b; 10 secretRef @core.LocalObjectReference?; 12 initiatorName s?',
  'core.GlusterfsVolumeSource': '1 endpoints s; 2 path s; 3 readOnly b',
  'core.PersistentVolumeClaimVolumeSource': '1 claimName s; 2 readOnly b',
  'core.RBDVolumeSource':
    '1 monitors s*; 2 image s; 3 fsType s; 4 pool s; 5 user s; 6 keyring s; 7 secretRef @core.LocalObjectReference?; 8 readOnly b',
  'core.FlexVolumeSource':
    '1 driver s; 2 fsType s; 3 secretRef @core.LocalObjectReference?; 4 readOnly b; 5 options map<s>',
  'core.CinderVolumeSource':
    '1 volumeID s; 2 fsType s; 3 readOnly b; 4 secretRef @core.LocalObjectReference?',
  'core.CephFSVolumeSource':
    '1 monitors s*; 2 path s; 3 user s; 4 secretFile s; 5 secretRef @core.LocalObjectReference?; 6 readOnly b',
  'core.FlockerVolumeSource': '1 datasetName s; 2 datasetUUID s',
  'core.DownwardAPIVolumeSource': '1 items @core.DownwardAPIVolumeFile*; 2 defaultMode i?; 3 defaultUser i?',
  'core.FCVolumeSource': '1 targetWWNs s*; 2 lun i?; 3 fsType s; 4 readOnly b; 5 wwids s*',
  'core.AzureFileVolumeSource': '1 secretName s; 2 shareName s; 3 readOnly b',
  'core.ConfigMapVolumeSource':
    '1 ^ @core.LocalObjectReference; 2 items @core.KeyToPath*; 3 defaultMode i?; 4 optional b?; 5 defaultUser i?',
  'core.VsphereVirtualDiskVolumeSource':
    '1 volumePath s; 2 fsType s; 3 storagePolicyName s; 4 storagePolicyID s',
  'core.QuobyteVolumeSource': '1 registry s; 2 volume s; 3 readOnly b; 4 user s; 5 group s; 6 tenant s',
  'core.AzureDiskVolumeSource':
    '1 diskName s; 2 diskURI s; 3 cachingMode s?; 4 fsType s?; 5 readOnly b?; 6 kind s?',
  'core.PhotonPersistentDiskVolumeSource': '1 pdID s; 2 fsType s',
  'core.ProjectedVolumeSource': '1 sources @core.VolumeProjection*; 2 defaultMode i?; 3 defaultUser i?',
  'core.PortworxVolumeSource': '1 volumeID s; 2 fsType s; 3 readOnly b',
  'core.ScaleIOVolumeSource':
    '1 gateway s; 2 system s; 3 secretRef @core.LocalObjectReference?; 4 sslEnabled b; 5 protectionDomain s; 6 storagePool s; 7 storageMode s; 8 volumeName s; 9 fsType s; 10 readOnly b',
  'core.StorageOSVolumeSource':
    '1 volumeName s; 2 volumeNamespace s; 3 fsType s; 4 readOnly b; 5 secretRef @core.LocalObjectReference?',
  'core.CSIVolumeSource':
    '1 driver s; 2 readOnly b?; 3 fsType s?; 4 volumeAttributes map<s>; 5 nodePublishSecretRef @core.LocalObjectReference?',
  'core.EphemeralVolumeSource': '1 volumeClaimTemplate @core.PersistentVolumeClaimTemplate?',
  'core.ImageVolumeSource': '1 reference s; 2 pullPolicy s',
  'core.ConfigMapEnvSource': '1 ^ @core.LocalObjectReference; 2 optional b?',
  'core.SecretEnvSource': '1 ^ @core.LocalObjectReference; 2 optional b?',
  'core.EnvVarSource':
    '1 fieldRef @core.ObjectFieldSelector?; 2 resourceFieldRef @core.ResourceFieldSelector?; 3 configMapKeyRef @core.ConfigMapKeySelector?; 4 secretKeyRef @core.SecretKeySelector?; 5 fileKeyRef @core.FileKeySelector?',
  'core.ContainerRestartRuleOnExitCodes': '1 operator s; 2 values i*',
  'core.ProbeHandler':
    '1 exec @core.ExecAction?; 2 httpGet @core.HTTPGetAction?; 3 tcpSocket @core.TCPSocketAction?; 4 grpc @core.GRPCAction?',
  'core.LifecycleHandler':
    '1 exec @core.ExecAction?; 2 httpGet @core.HTTPGetAction?; 3 tcpSocket @core.TCPSocketAction?; 4 sleep @core.SleepAction?',
  'core.Capabilities': '1 add s*; 2 drop s*',
  'core.NodeSelector': '1 nodeSelectorTerms @core.NodeSelectorTerm*',
  'core.PreferredSchedulingTerm': '1 weight i; 2 preference @core.NodeSelectorTerm',
  'core.PodAffinityTerm':
    '1 labelSelector @meta.LabelSelector?; 2 namespaces s*; 3 topologyKey s; 4 namespaceSelector @meta.LabelSelector?; 5 matchLabelKeys s*; 6 mismatchLabelKeys s*',
  'core.WeightedPodAffinityTerm': '1 weight i; 2 podAffinityTerm @core.PodAffinityTerm',
  'core.ContainerStateWaiting': '1 reason s; 2 message s',
  'core.ContainerStateRunning': '1 startedAt T',
  'core.ContainerStateTerminated':
    '1 exitCode i; 2 signal i; 3 reason s; 4 message s; 5 startedAt T; 6 finishedAt T; 7 containerID s',
  'core.VolumeStatus': '1 image @core.ImageVolumeStatus?',
  'core.LinuxContainerUser': '1 uid i; 2 gid i; 3 supplementalGroups i*',
  'core.ResourceHealth': '1 resourceID s; 2 health s; 6 message s?',
  'batch.PodFailurePolicyOnExitCodesRequirement': '1 containerName s?; 2 operator s; 3 values i*',
  'batch.PodFailurePolicyOnPodConditionsPattern': '1 type s; 2 status s',
  'autoscalingv2.MetricTarget': '1 type s; 2 value Q?; 3 averageValue Q?; 4 averageUtilization i?',
  'autoscalingv2.MetricIdentifier': '1 name s; 2 selector @meta.LabelSelector?',
  'autoscalingv2.HPAScalingPolicy': '1 type s; 2 value i; 3 periodSeconds i',
  'autoscalingv2.MetricValueStatus': '1 value Q?; 2 averageValue Q?; 3 averageUtilization i?',
  'meta.FieldSelectorRequirement': '1 key s; 2 operator s; 3 values s*',
  'networking.ServiceBackendPort': '1 name s; 2 number i',
  'networking.HTTPIngressRuleValue': '1 paths @networking.HTTPIngressPath*',
  'networking.IngressPortStatus': '1 port i; 2 protocol s; 3 error s?',
  'core.KeyToPath': '1 key s; 2 path s; 3 mode i?; 4 user i?',
  'core.DownwardAPIVolumeFile':
    '1 path s; 2 fieldRef @core.ObjectFieldSelector?; 3 resourceFieldRef @core.ResourceFieldSelector?; 4 mode i?; 5 user i?',
  'core.VolumeProjection':
    '1 secret @core.SecretProjection?; 2 downwardAPI @core.DownwardAPIProjection?; 3 configMap @core.ConfigMapProjection?; 4 serviceAccountToken @core.ServiceAccountTokenProjection?; 5 clusterTrustBundle @core.ClusterTrustBundleProjection?; 6 podCertificate @core.PodCertificateProjection?',
  'core.PersistentVolumeClaimTemplate': '1 metadata @meta.ObjectMeta; 2 spec @core.PersistentVolumeClaimSpec',
  'core.ObjectFieldSelector': '1 apiVersion s; 2 fieldPath s',
  'core.ResourceFieldSelector': '1 containerName s; 2 resource s; 3 divisor Q',
  'core.ConfigMapKeySelector': '1 ^ @core.LocalObjectReference; 2 key s; 3 optional b?',
  'core.SecretKeySelector': '1 ^ @core.LocalObjectReference; 2 key s; 3 optional b?',
  'core.FileKeySelector': '1 volumeName s; 2 path s; 3 key s; 4 optional b?',
  'core.ExecAction': '1 command s*',
  'core.HTTPGetAction':
    '1 path s; 2 port I; 3 host s; 4 scheme s; 5 httpHeaders @core.HTTPHeader*; 6 protocol s?',
  'core.TCPSocketAction': '1 port I; 2 host s',
  'core.GRPCAction': '1 port i; 2 service s?; 3 mode s?',
  'core.SleepAction': '1 seconds i',
  'core.NodeSelectorTerm':
    '1 matchExpressions @core.NodeSelectorRequirement*; 2 matchFields @core.NodeSelectorRequirement*',
  'core.ImageVolumeStatus': '1 imageRef s',
  'networking.HTTPIngressPath': '1 path s; 3 pathType s?; 2 backend @networking.IngressBackend',
  'core.SecretProjection': '1 ^ @core.LocalObjectReference; 2 items @core.KeyToPath*; 4 optional b?',
  'core.DownwardAPIProjection': '1 items @core.DownwardAPIVolumeFile*',
  'core.ConfigMapProjection': '1 ^ @core.LocalObjectReference; 2 items @core.KeyToPath*; 4 optional b?',
  'core.ServiceAccountTokenProjection': '1 audience s; 2 expirationSeconds i?; 3 path s; 4 user i?',
  'core.ClusterTrustBundleProjection':
    '1 name s?; 2 signerName s?; 3 labelSelector @meta.LabelSelector?; 5 optional b?; 4 path s; 6 user i?',
  'core.PodCertificateProjection':
    '1 signerName s; 2 keyType s; 3 maxExpirationSeconds i?; 4 credentialBundlePath s; 5 keyPath s; 6 certificateChainPath s; 7 userAnnotations map<s>; 8 user i?',
  'core.PersistentVolumeClaimSpec':
    '1 accessModes s*; 4 selector @meta.LabelSelector?; 2 resources @core.VolumeResourceRequirements; 3 volumeName s; 5 storageClassName s?; 6 volumeMode s?; 7 dataSource @core.TypedLocalObjectReference?; 8 dataSourceRef @core.TypedObjectReference?; 9 volumeAttributesClassName s?',
  'core.HTTPHeader': '1 name s; 2 value s',
  'core.NodeSelectorRequirement': '1 key s; 2 operator s; 3 values s*',
  'core.VolumeResourceRequirements': '1 limits map<Q>; 2 requests map<Q>',
  'core.TypedObjectReference': '1 apiGroup s?; 2 kind s; 3 name s; 4 namespace s?',
};
