/**
 * The scenario format `dr-drill/v1`. This file is the single source of truth: the TypeScript types are derived
 * from these schemas (Static<>), and schemas/scenario.v1.schema.json is generated from them (npm run schemas;
 * a unit test fails when the published file is out of step).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DURATION_PATTERN } from '../util/duration.js';

/** Editor hints of a field: `default` says what an absent field means, `examples` what a value looks like. */
type Hints<T> = { default?: T; examples?: T[] };
const Duration = (description: string, hints: Hints<string> = {}) =>
  Type.String({
    pattern: DURATION_PATTERN,
    ...hints,
    description: `${description} A duration such as 90s, 15m, 4h or 1h30m.`,
  });
const Name = (description: string, hints: Hints<string> = {}) =>
  Type.String({ minLength: 1, maxLength: 253, ...hints, description });
const Strict = <T extends Record<string, TSchema>>(props: T, description: string) =>
  Type.Object(props, { additionalProperties: false, description });

export const Objectives = Strict(
  {
    rto: Duration('Recovery time objective: the longest acceptable time from T0 until every critical probe passes.', {
      examples: ['30m', '4h'],
    }),
    rpo: Duration('Recovery point objective: the most data loss acceptable, T0 minus the recovery point.', {
      examples: ['15m', '24h'],
    }),
  },
  'What the team promised; the drill measures against these.',
);

export const Source = Strict(
  {
    kubeContext: Type.Optional(
      Name('Kube context of the protected cluster; defaults to the current context.', { examples: ['prod-weu'] }),
    ),
    veleroNamespace: Type.Optional(
      Name('Namespace where Velero runs in the source cluster (default velero).', { default: 'velero' }),
    ),
  },
  'Where the protected workload lives.',
);

const MaxAge = Type.Optional(
  Duration('Refuse a backup that started longer ago than this before T0.', { examples: ['26h'] }),
);

export const BackupByName = Strict(
  {
    name: Name('Name of the Velero Backup to restore.', { examples: ['payments-daily-20260101020000'] }),
    maxAge: MaxAge,
  },
  'A named backup.',
);
export const BackupFromSchedule = Strict(
  {
    fromSchedule: Name('The newest Completed backup of this Velero Schedule is restored.', {
      examples: ['payments-daily'],
    }),
    maxAge: MaxAge,
  },
  'The newest Completed backup of a Schedule.',
);
export const BackupCreate = Strict(
  {
    create: Strict(
      {
        includedNamespaces: Type.Array(Name('A namespace'), { minItems: 1, description: 'Namespaces to back up.' }),
        ttl: Type.Optional(Duration('How long Velero keeps the backup (default 72h).', { default: '72h' })),
        storageLocation: Type.Optional(Name('BackupStorageLocation to write to (default: the default BSL).')),
        snapshotVolumes: Type.Optional(
          Type.Boolean({
            description:
              "Take volume snapshots (default: not set, so Velero's default applies: snapshot where a snapshotter can).",
          }),
        ),
        defaultVolumesToFsBackup: Type.Optional(
          Type.Boolean({
            description:
              "Back up pod volumes with the file-system uploader (default: not set, so the Velero server's --default-volumes-to-fs-backup applies).",
          }),
        ),
        timeout: Type.Optional(
          Duration('How long to wait for the backup to complete (default 30m).', { default: '30m' }),
        ),
      },
      'The Backup the drill takes on the source; it is kept and expires by its TTL.',
    ),
    maxAge: MaxAge,
  },
  'A backup the drill takes on the spot.',
);
export const BackupSelection = Type.Union([BackupByName, BackupFromSchedule, BackupCreate], {
  description: 'Which backup to restore: exactly one of name, fromSchedule or create.',
});

/** target.isolation; its default depends on the target kind (a scratch copy beside live workloads is fenced). */
const isolation = (byDefault: 'strict' | 'none') =>
  Type.Optional(
    Type.Union([Type.Literal('strict'), Type.Literal('none')], {
      default: byDefault,
      description:
        "strict: the scratch copy cannot reach or be reached by live workloads — a default-deny NetworkPolicy per restored namespace (DNS and the drill's own namespaces allowed), CronJobs suspended, LoadBalancer Services made ClusterIP, Ingresses left out, Pod Security labels copied from the source namespace. none: restored as the backup holds it (a warm standby rehearsing failover for real). " +
        (byDefault === 'strict'
          ? 'Default: strict (a namespace target: a scratch copy beside live workloads).'
          : 'Default: none (a cluster or AKS target).'),
    }),
  );

export const NamespaceTarget = Strict(
  {
    namespace: Strict(
      {
        kubeContext: Type.Optional(Name('Kube context to restore into; defaults to the source context.')),
        veleroNamespace: Type.Optional(Name('Namespace where Velero runs there (default: the source one).')),
        suffix: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 40,
            default: '-drill-{{drillId}}',
            description: 'Appended to each restored namespace name (default "-drill-{{drillId}}").',
          }),
        ),
      },
      'Restore into scratch namespaces (namespace mapping), usually in the source cluster.',
    ),
    isolation: isolation('strict'),
  },
  'A scratch namespace target.',
);
export const ClusterTarget = Strict(
  {
    cluster: Strict(
      {
        kubeContext: Name('Kube context of the cluster to restore into, e.g. the DR region standby.', {
          examples: ['dr-neu'],
        }),
        veleroNamespace: Type.Optional(
          Name('Namespace where Velero runs there (default velero).', { default: 'velero' }),
        ),
        namespaceSuffix: Type.Optional(
          Type.String({ maxLength: 40, description: 'Appended to restored namespace names (default: none).' }),
        ),
      },
      'Restore into another cluster, keeping namespace names unless a suffix is given.',
    ),
    isolation: isolation('none'),
  },
  'An existing cluster target.',
);
export const AksNodePool = Strict(
  {
    name: Type.String({
      pattern: '^[a-z][a-z0-9]{0,11}$',
      description: 'Agent pool name: lower-case letters and digits, at most 12.',
    }),
    mode: Type.Optional(
      Type.Union([Type.Literal('System'), Type.Literal('User')], {
        description: 'System or User (default: System for the first pool, User for the others).',
      }),
    ),
    vmSize: Type.String({ minLength: 1, description: 'VM size offered in the location, e.g. Standard_D4s_v5.' }),
    count: Type.Integer({ minimum: 1, maximum: 1000, description: 'Node count.' }),
    zones: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: 'Availability zones, e.g. ["1","2","3"].' }),
    ),
  },
  'A node pool of the drill cluster.',
);
export const AksVelero = Strict(
  {
    install: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal('always'), Type.Literal('never')], {
        default: 'auto',
        description:
          'auto (default): install unless Velero is healthy with a BSL on the backup storage; always; never.',
      }),
    ),
    installer: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal('cli'), Type.Literal('manifests')], {
        default: 'auto',
        description:
          "How the install is rendered: cli runs `velero install --dry-run -o yaml` (velero on PATH or DR_DRILL_VELERO_BIN), manifests uses dr-drill's own; auto (default): cli when the velero CLI is available. Either way the BSL is forced ReadOnly and dr-drill applies the objects.",
      }),
    ),
    image: Type.Optional(
      Type.String({
        minLength: 1,
        default: 'velero/velero:v1.17.2',
        description: 'Velero server image (default velero/velero:v1.17.2).',
      }),
    ),
    pluginImage: Type.Optional(
      Type.String({
        minLength: 1,
        default: 'velero/velero-plugin-for-microsoft-azure:v1.13.2',
        description: 'Azure plugin image (default velero/velero-plugin-for-microsoft-azure:v1.13.2).',
      }),
    ),
    bslName: Type.Optional(
      Name('Name of the ReadOnly BSL the drill creates (default "default").', { default: 'default' }),
    ),
    storage: Strict(
      {
        container: Name('Blob container of the source backups (the BSL bucket).'),
        prefix: Type.Optional(Type.String({ description: 'Prefix inside the container, as in the source BSL.' })),
        storageAccount: Name('Storage account name.'),
        resourceGroup: Name('Resource group of the storage account.'),
        subscriptionId: Type.Optional(Name('Subscription of the storage account (default: the cluster subscription).')),
        storageAccountUri: Type.Optional(
          Type.String({ minLength: 1, description: 'Blob endpoint URI when it is not the public one.' }),
        ),
        caCertFile: Type.Optional(
          Name('PEM file of a private CA for the storage endpoint (the BSL objectStorage.caCert).'),
        ),
      },
      'The source backup storage, read ReadOnly by the new cluster.',
    ),
    credentials: Type.Union(
      [
        Strict(
          {
            secretFile: Name(
              'Path of a Velero Azure credentials env file (AZURE_SUBSCRIPTION_ID=…), put in Secret cloud-credentials; read at run time, never reported.',
            ),
          },
          'Secret credentials.',
        ),
        Strict(
          {
            workloadIdentityClientId: Name(
              'Client id of a user-assigned identity federated with the velero ServiceAccount.',
            ),
          },
          'Workload identity.',
        ),
      ],
      { description: 'How Velero in the drill cluster reaches the storage.' },
    ),
    timeout: Type.Optional(Duration('How long to wait for the BSL to be Available (default 5m).', { default: '5m' })),
  },
  'Velero in the drill cluster: rendered by the velero CLI or from generated manifests, ReadOnly BSL on the source storage.',
);
export const AksTarget = Strict(
  {
    aks: Strict(
      {
        subscriptionId: Name('Azure subscription id.'),
        resourceGroup: Name('Resource group of the drill cluster.'),
        createResourceGroup: Type.Optional(
          Type.Boolean({
            default: false,
            description: 'Create the resource group (and delete it in teardown) (default false).',
          }),
        ),
        location: Name('Azure region, e.g. swedencentral (the DR region).'),
        clusterName: Type.Optional(
          Type.String({
            pattern: '^[a-zA-Z0-9]([-_a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$',
            description: 'Managed cluster name (default dr-drill-{{drillId}}).',
          }),
        ),
        kubernetesVersion: Type.Optional(
          Type.String({ minLength: 1, description: 'Kubernetes version (default: the region default).' }),
        ),
        nodePools: Type.Optional(
          Type.Array(AksNodePool, {
            minItems: 1,
            description: 'Node pools (default one System pool, 2 × Standard_D4s_v5).',
          }),
        ),
        networkPlugin: Type.Optional(
          Type.Union([Type.Literal('azure'), Type.Literal('kubenet'), Type.Literal('none')], {
            default: 'azure',
            description: 'Network plugin (default azure).',
          }),
        ),
        identity: Type.Optional(
          Type.Union(
            [
              Strict({ type: Type.Literal('SystemAssigned') }, 'System-assigned identity.'),
              Strict(
                { type: Type.Literal('UserAssigned'), resourceId: Name('Resource id of the user-assigned identity.') },
                'User-assigned identity.',
              ),
            ],
            { description: 'Cluster identity (default SystemAssigned).' },
          ),
        ),
        tags: Type.Optional(
          Type.Record(Type.String(), Type.String(), { description: 'Extra tags; the dr-drill-* tags are always set.' }),
        ),
        credentials: Type.Optional(
          Type.Union([Type.Literal('admin'), Type.Literal('user')], {
            default: 'admin',
            description:
              'admin (default) kubeconfig, or user kubeconfig in exec format (needs kubelogin) where local accounts are disabled.',
          }),
        ),
        expiresAfter: Type.Optional(
          Duration('The dr-drill-expires tag: when dr-drill janitor may delete a cluster left behind (default 24h).', {
            default: '24h',
          }),
        ),
        costPerNodeHour: Type.Optional(
          Type.Number({
            minimum: 0,
            default: 0.2,
            description: 'Hourly price of one node in USD, for the report cost line (default 0.2).',
          }),
        ),
        provisionTimeout: Type.Optional(Duration('How long provisioning may take (default 30m).', { default: '30m' })),
        veleroNamespace: Type.Optional(
          Name('Namespace of Velero in the drill cluster (default velero).', { default: 'velero' }),
        ),
        namespaceSuffix: Type.Optional(
          Type.String({ maxLength: 40, description: 'Appended to restored namespace names (default: none).' }),
        ),
        velero: AksVelero,
      },
      'Provision a scratch AKS cluster in the DR region, install Velero, restore, delete the cluster.',
    ),
    isolation: isolation('none'),
  },
  'A fresh AKS cluster target.',
);
export const Target = Type.Union([NamespaceTarget, ClusterTarget, AksTarget], {
  description: 'Where the drill restores: exactly one of namespace, cluster or aks.',
});

/** A Kubernetes label value (zone and storage-class names go into JSON patches, so nothing else is accepted). */
const LabelValue = (description: string) =>
  Type.String({ pattern: '^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$', maxLength: 63, description });
const ClassName = (description: string) =>
  Type.String({ pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253, description });

/** Velero's resource-modifier rules (internal/resourcemodifiers, version v1), passed through as written. */
export const ResourceModifierRule = Strict(
  {
    conditions: Strict(
      {
        groupResource: Type.String({
          minLength: 1,
          description:
            'Resource and group, e.g. persistentvolumeclaims or deployments.apps; a glob such as *.apps is allowed.',
        }),
        resourceNameRegex: Type.Optional(
          Type.String({ minLength: 1, description: 'Regular expression (Go RE2) the object name must match.' }),
        ),
        namespaces: Type.Optional(
          Type.Array(Name('A namespace'), {
            description: 'Source namespaces (Velero matches before namespace mapping).',
          }),
        ),
        labelSelector: Type.Optional(
          Strict(
            {
              matchLabels: Type.Optional(Type.Record(Type.String(), Type.String())),
              matchExpressions: Type.Optional(
                Type.Array(
                  Strict(
                    {
                      key: Type.String({ minLength: 1 }),
                      operator: Type.Union([
                        Type.Literal('In'),
                        Type.Literal('NotIn'),
                        Type.Literal('Exists'),
                        Type.Literal('DoesNotExist'),
                      ]),
                      values: Type.Optional(Type.Array(Type.String())),
                    },
                    'A label selector requirement.',
                  ),
                ),
              ),
            },
            'A Kubernetes label selector.',
          ),
        ),
        matches: Type.Optional(
          Type.Array(
            Strict(
              {
                path: Type.String({ pattern: '^/', description: 'JSON pointer, e.g. /spec/storageClassName.' }),
                value: Type.String({ description: 'The value there (a JSON patch test).' }),
              },
              'The object must hold this value at this path.',
            ),
            { description: 'Every one must hold for the rule to apply.' },
          ),
        ),
      },
      'Which restored objects the rule applies to.',
    ),
    patches: Type.Optional(
      Type.Array(
        Strict(
          {
            operation: Type.Union(
              ['add', 'remove', 'replace', 'test', 'move', 'copy'].map((o) => Type.Literal(o)),
              { description: 'JSON patch operation.' },
            ),
            path: Type.String({ pattern: '^/', description: 'JSON pointer.' }),
            from: Type.Optional(Type.String({ pattern: '^/', description: 'Source pointer of move and copy.' })),
            value: Type.Optional(
              Type.String({
                description:
                  'The value, as Velero reads it: a string; JSON objects, arrays, numbers and booleans are written as text.',
              }),
            ),
          },
          'A JSON patch (RFC 6902) operation.',
        ),
        { minItems: 1, description: 'JSON patch operations; a failing test operation leaves the object unchanged.' },
      ),
    ),
    mergePatches: Type.Optional(
      Type.Array(
        Strict(
          { patchData: Type.String({ minLength: 1, description: 'A JSON merge patch (RFC 7386), in YAML or JSON.' }) },
          'A merge patch.',
        ),
        { minItems: 1 },
      ),
    ),
    strategicPatches: Type.Optional(
      Type.Array(
        Strict(
          { patchData: Type.String({ minLength: 1, description: 'A strategic merge patch, in YAML or JSON.' }) },
          'A strategic merge patch.',
        ),
        { minItems: 1 },
      ),
    ),
  },
  'One Velero resource-modifier rule: conditions and exactly one of patches, mergePatches or strategicPatches.',
);

export const RestoreZones = Strict(
  {
    map: Type.Optional(
      Type.Record(Type.String(), LabelValue('Target zone.'), {
        minProperties: 1,
        description:
          "Source zone → target zone, rewritten in PV node affinity and in workloads' zone nodeSelector/node affinity (keys topology.kubernetes.io/zone, failure-domain.beta.kubernetes.io/zone, topology.disk.csi.azure.com/zone).",
      }),
    ),
    dropNodeAffinity: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Remove node affinity from restored PVs and workloads, and zone keys from nodeSelectors (default false); applied after map.',
      }),
    ),
  },
  'Zone/node affinity for the target region, applied through a Velero resource modifier the drill generates from the backup contents.',
);

export const Restore = Strict(
  {
    includedNamespaces: Type.Optional(
      Type.Array(Name('A source namespace'), {
        minItems: 1,
        description: 'Source namespaces to restore (default: the namespaces the backup included).',
      }),
    ),
    excludedNamespaces: Type.Optional(Type.Array(Name('A namespace'), { description: 'Namespaces to leave out.' })),
    includedResources: Type.Optional(Type.Array(Name('A resource'), { description: 'Resources to restore.' })),
    excludedResources: Type.Optional(Type.Array(Name('A resource'), { description: 'Resources to leave out.' })),
    labelSelector: Type.Optional(
      Type.Record(Type.String(), Type.String(), { description: 'Restore only objects with these labels.' }),
    ),
    restorePVs: Type.Optional(
      Type.Boolean({ default: true, description: 'Restore persistent volumes (default true).' }),
    ),
    volumeData: Type.Optional(
      Type.Union([Type.Literal('checked'), Type.Literal('metadata-only')], {
        default: 'checked',
        description:
          "checked (default): every restored volume must have its data back (Velero's volume info, PodVolumeRestores, DataDownloads), or the drill FAILs with 'volume data not restored'. metadata-only: volumes are listed but their data is not required; the report says 'volume data not checked'.",
      }),
    ),
    existingResourcePolicy: Type.Optional(
      Type.Union([Type.Literal('none'), Type.Literal('update')], {
        default: 'none',
        description: 'What Velero does with objects that already exist (default none: skip them).',
      }),
    ),
    allowClusterScopedUpdates: Type.Optional(
      Type.Boolean({
        description:
          'Allow existingResourcePolicy update when the target is the source cluster while the backup holds cluster-scoped objects (PersistentVolumes, CRDs, ClusterRoles…) that Velero would then update in place. Refused without it; with it the drill warns, and the blast-radius check still turns any change into ERROR.',
      }),
    ),
    allowSharedVolumeAssets: Type.Optional(
      Type.Boolean({
        description:
          "Allow a PersistentVolume that Velero restores as-is (no snapshot, no file-system backup, reclaim policy not Delete) and that points at the source's storage (disk, file share, NFS export, CSI volume handle; a hostPath only in the source cluster). Refused without it: the restored copy would use the production data in place.",
      }),
    ),
    timeout: Type.Optional(
      Duration('How long the Restore may take to reach a terminal phase (default 30m).', { default: '30m' }),
    ),
    storageClassMapping: Type.Optional(
      Type.Record(Type.String(), ClassName('Target storage class.'), {
        minProperties: 1,
        description:
          "Source storage class → target storage class, through Velero's change-storage-class ConfigMap in the target's Velero namespace (PVs, PVCs, StatefulSet claim templates).",
      }),
    ),
    zones: Type.Optional(RestoreZones),
    resourceModifiers: Type.Optional(
      Strict(
        {
          version: Type.Literal('v1', { description: 'Velero resource-modifier format version.' }),
          resourceModifierRules: Type.Array(ResourceModifierRule, {
            minItems: 1,
            description: 'Applied after the rules the drill generates for zones.',
          }),
        },
        'Raw Velero resource modifiers (the content of a resource-modifier ConfigMap), passed to the Restore as written.',
      ),
    ),
    tolerate: Type.Optional(
      Type.Union(
        [
          Type.Literal('none', {
            description:
              'Nothing short of Completed: a PartiallyFailed restore fails the drill, and so does a PartiallyFailed backup (otherwise a warning).',
          }),
          Strict(
            {
              partiallyFailed: Strict(
                {
                  maxErrors: Type.Integer({
                    minimum: 0,
                    description:
                      'A PartiallyFailed restore with at most this many errors, none of them about volumes, does not fail the drill.',
                  }),
                },
                'Tolerance for a PartiallyFailed restore.',
              ),
            },
            'What the drill accepts short of Completed.',
          ),
        ],
        {
          description:
            'What the drill accepts short of Completed. Volume errors are never tolerated. Without it, a PartiallyFailed restore fails the drill and a PartiallyFailed backup is a warning.',
        },
      ),
    ),
  },
  'How the Velero Restore is made.',
);

const ProbeCommon = {
  name: Type.String({
    pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
    maxLength: 63,
    description: 'Unique name of the probe (lower-case, digits and dashes).',
  }),
  critical: Type.Optional(
    Type.Boolean({
      default: true,
      description: 'Counts toward RTO and the verdict (default true); false only reports it.',
    }),
  ),
  timeout: Type.Optional(Duration('How long the probe may take to pass (default 5m).', { default: '5m' })),
  mode: Type.Optional(
    Type.Union([Type.Literal('once'), Type.Literal('continuous')], {
      default: 'once',
      description:
        'once (default): passes the first time it passes; continuous: after its first pass it is sampled for `duration` and must pass at least minSuccessRatio of the samples.',
    }),
  ),
  duration: Type.Optional(
    Duration('continuous mode: how long the probe is sampled after its first pass (required with mode continuous).'),
  ),
  interval: Type.Optional(
    Duration(
      'Time between attempts of polling kinds (exec, http, canary, checksum) and between continuous samples (default 5s).',
      { default: '5s' },
    ),
  ),
  minSuccessRatio: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: 1,
      default: 1,
      description: 'continuous mode: the share of samples that must pass (default 1).',
    }),
  ),
};

export const WorkloadProbe = Strict(
  {
    ...ProbeCommon,
    kind: Type.Literal('workload'),
    ref: Strict(
      {
        kind: Type.Union([Type.Literal('Deployment'), Type.Literal('StatefulSet'), Type.Literal('DaemonSet')], {
          description: 'Workload kind.',
        }),
        namespace: Name('Namespace as it is in the source; the drill maps it to the target.'),
        name: Name('Workload name.'),
      },
      'The workload that must roll out.',
    ),
  },
  'Ready by the rules of kubectl rollout status.',
);

export const ResourceProbe = Strict(
  {
    ...ProbeCommon,
    kind: Type.Literal('resource'),
    ref: Strict(
      {
        apiVersion: Name('API version, e.g. v1 or apps/v1.'),
        kind: Name('Kind, e.g. ConfigMap.'),
        namespace: Type.Optional(
          Name(
            'Namespace as it is in the source. Omitted, a namespaced kind is looked for in every namespace the restore brought back (never elsewhere), and a cluster-scoped kind must be named.',
          ),
        ),
        name: Type.Optional(Name('Object name; omit to match by selector.')),
        selector: Type.Optional(Type.String({ minLength: 1, description: 'Label selector, e.g. app=api,tier!=db.' })),
      },
      'The objects to look at.',
    ),
    match: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'A partial object every matched object must contain (maps match by key, lists element-wise).',
      }),
    ),
    minCount: Type.Optional(
      Type.Integer({
        minimum: 1,
        default: 1,
        description: 'At least this many objects must match (default 1; 0 would pass on nothing).',
      }),
    ),
  },
  'Objects exist and contain a partial object.',
);

export const PvcProbe = Strict(
  {
    ...ProbeCommon,
    kind: Type.Literal('pvc'),
    ref: Strict(
      {
        namespace: Name('Namespace as it is in the source.'),
        name: Type.Optional(Name('Claim name; omit for every claim (or those matching selector).')),
        selector: Type.Optional(Type.String({ minLength: 1, description: 'Label selector.' })),
      },
      'The claims that must be Bound.',
    ),
    minCount: Type.Optional(
      Type.Integer({
        minimum: 1,
        default: 1,
        description: 'At least this many claims (default 1; 0 would pass on nothing).',
      }),
    ),
  },
  'PersistentVolumeClaims are Bound.',
);

/** A pod to run in: by name, or the first Ready pod matching a selector; namespaces as in the source. */
export const PodRef = Strict(
  {
    namespace: Name('Namespace as it is in the source; the drill maps it to the target.'),
    name: Type.Optional(Name('Pod name; omit to pick by selector.')),
    selector: Type.Optional(
      Type.String({ minLength: 1, description: 'Label selector; the first Ready pod (by name) is used.' }),
    ),
    container: Type.Optional(Name("Container name (default: the pod's first container).")),
  },
  'The pod a command runs in.',
);

/** A value at a JSON path of a response or of stdout. */
export const JsonExpect = Strict(
  {
    path: Type.String({
      description: 'Dotted path into the JSON document, e.g. status.replicas or items.0.name ("" for the whole).',
    }),
    equals: Type.Optional(Type.Unknown({ description: 'The value must equal this (partial match for objects).' })),
    matches: Type.Optional(
      Type.String({ minLength: 1, description: 'The value, as text, must match this regular expression.' }),
    ),
  },
  'A value at a JSON path.',
);

export const ExecProbe = Strict(
  {
    ...ProbeCommon,
    kind: Type.Literal('exec'),
    pod: PodRef,
    command: Type.Array(Type.String(), {
      minItems: 1,
      description: 'Command and arguments, run without a shell (write [sh, -c, "..."] for one).',
    }),
    expect: Type.Optional(
      Strict(
        {
          exitCode: Type.Optional(Type.Integer({ default: 0, description: 'Expected exit code (default 0).' })),
          stdout: Type.Optional(Type.String({ minLength: 1, description: 'Regular expression stdout must match.' })),
          json: Type.Optional(JsonExpect),
        },
        'What the command must give; retried every interval until it does or the timeout ends.',
      ),
    ),
  },
  'A command run in a restored pod (pods/exec) gives the expected result.',
);

export const HttpProbe = Strict(
  {
    ...ProbeCommon,
    kind: Type.Literal('http'),
    target: Strict(
      {
        namespace: Name('Namespace as it is in the source.'),
        pod: Type.Optional(Name('Pod name.')),
        selector: Type.Optional(
          Type.String({ minLength: 1, description: 'Label selector of the pods (first Ready one).' }),
        ),
        service: Type.Optional(Name("Service name: its selector picks the pod, its port's targetPort the port.")),
        port: Type.Integer({
          minimum: 1,
          maximum: 65535,
          description: 'Pod port, or the Service port when service is given.',
        }),
      },
      'Where the request goes, through an API-server port-forward (no ingress needed).',
    ),
    method: Type.Optional(
      Type.String({ pattern: '^[A-Z]+$', default: 'GET', description: 'HTTP method (default GET).' }),
    ),
    path: Type.Optional(Type.String({ pattern: '^/', default: '/', description: 'Path and query (default /).' })),
    headers: Type.Optional(
      Type.Record(Type.String(), Type.String(), { description: 'Request headers; values are never reported.' }),
    ),
    body: Type.Optional(Type.String({ description: 'Request body.' })),
    expect: Type.Optional(
      Strict(
        {
          status: Type.Optional(
            Type.Integer({ minimum: 100, maximum: 599, default: 200, description: 'Expected status (default 200).' }),
          ),
          body: Type.Optional(Type.String({ minLength: 1, description: 'Regular expression the body must match.' })),
          json: Type.Optional(JsonExpect),
        },
        'What the response must be.',
      ),
    ),
  },
  'An HTTP request to a restored pod or service answers as expected; latency is recorded.',
);

export const JobProbe = Strict(
  {
    ...ProbeCommon,
    kind: Type.Literal('job'),
    namespace: Name('Namespace as it is in the source: the Job runs in its restored copy.'),
    image: Type.String({ minLength: 1, description: 'Container image of the verification Job.' }),
    command: Type.Array(Type.String(), { minItems: 1, description: 'Command and arguments.' }),
    env: Type.Optional(
      Type.Record(Type.String(), Type.String(), { description: 'Environment variables (values are never reported).' }),
    ),
    volumes: Type.Optional(
      Type.Array(
        Strict(
          {
            claim: Name('A restored PersistentVolumeClaim.'),
            mountPath: Type.String({ pattern: '^/', description: 'Where it is mounted.' }),
            readOnly: Type.Optional(Type.Boolean({ default: true, description: 'Mount read-only (default true).' })),
          },
          'A restored claim mounted into the Job.',
        ),
        { description: 'Restored claims to mount.' },
      ),
    ),
    serviceAccountName: Type.Optional(Name('ServiceAccount of the Job pod.')),
  },
  'A verification Job run in the target (e.g. pg_dump --schema-only) completes; its logs go into the report.',
);

export const ChecksumProbe = Strict(
  {
    ...ProbeCommon,
    kind: Type.Literal('checksum'),
    pod: PodRef,
    path: Type.String({
      pattern: '^/',
      description: 'Directory (in the container) whose files are compared, e.g. the restored volume mount.',
    }),
    against: Type.Optional(
      Type.Union(
        [
          Type.Literal('source', {
            description:
              'A manifest the drill takes from the same pod in the source just before it creates the backup (needs backup.create).',
          }),
          Strict({ manifestFile: Name('A manifest written by dr-drill manifest take (JSON).') }, 'A stored manifest.'),
        ],
        { default: 'source', description: 'What the restored files are compared with (default source).' },
      ),
    ),
    ignore: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description:
          'Globs of relative paths to leave out, bash rules: * within a segment, ** across, {log,tmp} braces, [0-9] classes; dotfiles match too.',
      }),
    ),
  },
  'The files under a path of the restored copy match a manifest (path, size, SHA-256); added, removed and changed files are listed.',
);

export const CanaryProbe = Strict(
  {
    ...ProbeCommon,
    kind: Type.Literal('canary'),
    carrier: Type.Union(
      [
        Strict(
          {
            configMap: Strict(
              { namespace: Name('Namespace as it is in the source.'), name: Name('ConfigMap name.') },
              'The carrier ConfigMap.',
            ),
          },
          'Markers are keys marker.<nonce> of a ConfigMap in the protected namespace: Velero backs it up and restores it.',
        ),
        Strict(
          {
            file: Strict(
              {
                pod: PodRef,
                path: Type.String({ pattern: '^/', description: 'File on a protected volume; one marker per line.' }),
              },
              'The carrier file.',
            ),
          },
          'Markers are lines "<time> <nonce>" of a file on a protected volume, written and read by exec.',
        ),
      ],
      { description: 'Where the markers live.' },
    ),
    writer: Type.Optional(
      Type.Union([Type.Literal('drill'), Type.Literal('heartbeat')], {
        default: 'drill',
        description:
          'drill (default): the drill writes a marker with its own nonce just before it creates the backup (needs backup.create), and the probe requires that marker; heartbeat: markers are written by deploy/canary/heartbeat.yaml and the probe takes the newest that survived.',
      }),
    ),
    nonce: Type.Optional(
      Type.String({
        pattern: '^[-._a-zA-Z0-9]+$',
        maxLength: 200,
        description: 'Require the marker with this nonce (default: the one the drill wrote; heartbeat: any).',
      }),
    ),
  },
  'Reads the newest canary marker back from the restored copy: the recovery point of rpo.basis canary.',
);

export const Probe = Type.Union(
  [WorkloadProbe, ResourceProbe, PvcProbe, ExecProbe, HttpProbe, JobProbe, ChecksumProbe, CanaryProbe],
  {
    description: 'A declarative check of the restored copy.',
  },
);

/** The named points of a drill where runbook hooks run, in the order they come. */
export const HOOK_POINTS = ['provision', 'before-restore', 'after-restore', 'after-verify', 'on-teardown'] as const;

export const Hook = Strict(
  {
    name: Type.String({
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
      maxLength: 63,
      description:
        'Unique name of the hook (lower-case, digits and dashes): its phase is hook:<name>, its log hook-<name>.log.',
    }),
    at: Type.Union(
      HOOK_POINTS.map((p) => Type.Literal(p)),
      {
        description:
          'When it runs: provision (before provision-target; may produce the target kubeconfig), before-restore, after-restore (before the probes: counted in RTO), after-verify (after the final probe: not in RTO), on-teardown (after teardown, even when the drill failed or was interrupted).',
      },
    ),
    command: Type.Array(Type.String(), {
      minItems: 1,
      description: 'Command and arguments, run without a shell (write [sh, -c, "..."] for one).',
    }),
    env: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String(), {
        description: 'Extra environment variables; their values are masked in the hook log and the report.',
      }),
    ),
    inheritEnv: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*\\*?$' }), {
        description:
          'Runner environment variables the hook inherits besides PATH and HOME (NAME, or PREFIX_* for all names with that prefix, e.g. ARM_* for terraform). Nothing else is inherited: storage keys, DR_DRILL_ARM_TOKEN and webhook URLs stay with the drill.',
      }),
    ),
    workingDir: Type.Optional(Name('Directory the command runs in (default: the current directory).')),
    timeout: Type.Optional(
      Duration('How long the command may run before it is killed (default 10m).', { default: '10m' }),
    ),
    onFailure: Type.Optional(
      Type.Union([Type.Literal('fail'), Type.Literal('warn')], {
        default: 'fail',
        description:
          'fail (default): a non-zero exit or a timeout fails the drill; warn: only a warning. on-teardown hooks only ever warn.',
      }),
    ),
    produces: Type.Optional(
      Strict(
        {
          kubeconfig: Name(
            'Kubeconfig file the command writes (relative to workingDir); the cluster target is reached through it.',
          ),
          context: Type.Optional(Name('Context in that kubeconfig (default: its current-context).')),
        },
        'provision hooks only: the target cluster comes from this hook (e.g. terraform apply handing a kubeconfig back).',
      ),
    ),
  },
  'A runbook step run at a named point of the drill (execa, argv), timed as its own phase.',
);

export const Teardown = Strict(
  {
    when: Type.Optional(
      Type.Union([Type.Literal('always'), Type.Literal('on-pass'), Type.Literal('never')], {
        default: 'always',
        description: 'When to remove what the drill created (default always; --keep overrides).',
      }),
    ),
    timeout: Type.Optional(
      Duration('How long teardown may take before it lists what is left (default 5m).', { default: '5m' }),
    ),
  },
  'Removing what the drill created.',
);

export const Storage = Strict(
  {
    accountUrl: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description: 'https://<account>.blob.core.windows.net, signed in with DefaultAzureCredential.',
      }),
    ),
    connectionString: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Storage connection string; write "${AZURE_STORAGE_CONNECTION_STRING}", never the secret (default: that variable).',
      }),
    ),
    container: Type.Optional(
      Name('Blob container of the BSL, objectStorage.bucket (default velero).', { default: 'velero' }),
    ),
    prefix: Type.Optional(Type.String({ description: 'Prefix inside the container, objectStorage.prefix.' })),
    caCertFile: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'CA of a private endpoint; must also be in NODE_EXTRA_CA_CERTS (TLS is never disabled).',
      }),
    ),
  },
  "The BSL's storage, read directly: with spec.source omitted the backup is selected from it; an integrity phase verifies the backup before restoring.",
);

export const Upload = Strict(
  {
    container: Name('Evidence container; never the BSL container and prefix.'),
    prefix: Type.Optional(Type.String({ description: 'Prefix inside the evidence container.' })),
    accountUrl: Type.Optional(
      Type.String({ pattern: '^https?://', description: "Evidence account URL (default: spec.storage's account)." }),
    ),
    connectionString: Type.Optional(
      Type.String({
        minLength: 1,
        description: "Evidence account connection string, usually ${ENV} (default: spec.storage's).",
      }),
    ),
    immutableFor: Type.Optional(
      Duration(
        'Length of the immutability policy set on each uploaded blob where the container supports it (default 365d); or immutability.days.',
        { default: '365d' },
      ),
    ),
    immutability: Type.Optional(
      Strict(
        {
          days: Type.Optional(
            Type.Integer({
              minimum: 1,
              default: 365,
              description: 'Length of the policy in days (default 365; or immutableFor).',
            }),
          ),
          lock: Type.Optional(
            Type.Boolean({
              default: false,
              description:
                'Set the policy Locked: nobody, the storage account owner included, can shorten or remove it (default false: Unlocked).',
            }),
          ),
        },
        'The version-level time-based retention policy set on each uploaded blob; the sealed report states it and report verify --container checks it. Needs version-level immutability on the evidence container.',
      ),
    ),
  },
  'Upload the sealed report folder to <container>/<prefix>/<scenario>/<folder>/.',
);

export const ReportOptions = Strict(
  {
    html: Type.Optional(Type.Boolean({ default: false, description: 'Also write report.html (default false).' })),
    upload: Type.Optional(Upload),
    notify: Type.Optional(
      Strict(
        {
          webhook: Type.String({
            minLength: 1,
            description:
              'Webhook URL (a Teams Workflows "when a webhook request is received" trigger, a Slack incoming webhook, or any https endpoint); a secret, so usually ${ENV} (resolved by plan and run, never printed).',
          }),
          format: Type.Optional(
            Type.Union([Type.Literal('auto'), Type.Literal('teams'), Type.Literal('slack'), Type.Literal('json')], {
              default: 'auto',
              description:
                'Message format: teams (an Adaptive Card in a Workflows message), slack (text and blocks), json (a plain object); auto (default) picks teams or slack by the webhook host, json otherwise.',
            }),
          ),
          on: Type.Optional(
            Type.Union(
              [
                Type.Literal('always'),
                Type.Array(Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Literal('error')]), {
                  minItems: 1,
                  uniqueItems: true,
                }),
              ],
              {
                default: ['fail', 'error'],
                description:
                  'Verdicts that send a message: always, or a list of pass, fail, error (default [fail, error]).',
              },
            ),
          ),
          timeout: Type.Optional(
            Duration('How long one attempt may take (default 10s); three attempts are made.', { default: '10s' }),
          ),
        },
        'Post a message to a chat webhook after the report is sealed; a failure to notify is a warning only.',
      ),
    ),
  },
  'Report options.',
);

export const Scenario = Type.Object(
  {
    $schema: Type.Optional(
      Type.String({
        description:
          'The JSON Schema an editor checks this file against (ignored by dr-drill), e.g. ../schemas/scenario.v1.schema.json; YAML editors also read the modeline # yaml-language-server: $schema=….',
      }),
    ),
    apiVersion: Type.Literal('dr-drill/v1', { description: 'Format version.' }),
    kind: Type.Literal('Scenario'),
    metadata: Strict(
      {
        name: Type.String({
          pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
          maxLength: 63,
          description: 'Scenario name: names the report folder and labels what the drill creates.',
        }),
        description: Type.Optional(Type.String({ description: 'What this drill proves, for the report.' })),
        labels: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Free-form labels.' })),
        controls: Type.Optional(
          Type.Array(Type.String({ minLength: 1 }), {
            uniqueItems: true,
            description:
              'Compliance controls this drill evidences, free-form ids (e.g. "ISO27001:A.8.13", "SOC2:A1.3", "DORA:Art.12").',
          }),
        ),
      },
      'Identity of the scenario.',
    ),
    spec: Strict(
      {
        objectives: Objectives,
        source: Type.Optional(Source),
        storage: Type.Optional(Storage),
        backup: BackupSelection,
        target: Target,
        restore: Type.Optional(Restore),
        probes: Type.Array(Probe, {
          description:
            'Checks of the restored copy; critical ones decide RTO and the verdict. At least one must be critical: a drill without one proves nothing.',
        }),
        teardown: Type.Optional(Teardown),
        hooks: Type.Optional(
          Type.Array(Hook, { description: 'Runbook hooks: commands run at named points of the drill.' }),
        ),
        report: Type.Optional(ReportOptions),
      },
      'What to restore, where, and how to prove it.',
    ),
  },
  {
    $id: 'https://dr-drill.dev/schemas/scenario.v1.json',
    title: 'dr-drill scenario (dr-drill/v1)',
    description: 'A disaster-recovery drill: which backup, where to restore it, how to prove it, what was promised.',
    additionalProperties: false,
  },
);

/**
 * A scenario file as written (dr-drill/v1), after schema validation: the external format, compiled into a DrillPlan.
 */
export type Scenario = Static<typeof Scenario>;
/** One entry of spec.probes as written; plan/probe-compile.ts compiles it into a ProbePlan. */
export type ScenarioProbe = Static<typeof Probe>;
/** The probe kinds a scenario may name (spec.probes[].kind). */
export type ProbeKindName = ScenarioProbe['kind'];
/** spec.backup as written: a name, a schedule, or create. */
export type BackupSelection = Static<typeof BackupSelection>;
/** spec.target as written: exactly one of namespace, cluster or aks. */
export type ScenarioTarget = Static<typeof Target>;
/** One runbook hook as written (spec.hooks[]). */
export type ScenarioHook = Static<typeof Hook>;
/** The named points of a drill where hooks may run. */
export type HookPoint = (typeof HOOK_POINTS)[number];
/** One raw Velero resource modifier rule as written (spec.restore.resourceModifiers.resourceModifierRules[]), applied after the drill's own. */
export type ScenarioModifierRule = Static<typeof ResourceModifierRule>;
