/**
 * report.json, schemaVersion 2 (schemaVersion 1 reports are checked against the frozen schemas/report.v1.schema.json). Source of truth for both the TypeScript type (Static<>) and the published
 * schemas/report.v2.schema.json (npm run schemas; a unit test keeps them in step). Keys are always present;
 * a value that does not exist is null.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { BUILTIN_PHASES } from './phases.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** One restored volume: how its data came back, in Velero's words (restore.volumes[]). */
export const VolumeProof = Type.Object(
  {
    namespace: Type.String({ description: 'Target namespace.' }),
    pvc: Nullable(Type.String({ description: 'The claim; null for a pod volume that is no claim.' })),
    pod: Nullable(Type.String({ description: 'The pod whose volume a PodVolumeRestore fills.' })),
    volume: Nullable(Type.String({ description: "The pod's volume name." })),
    backupMethod: Type.String({
      description:
        "Velero's word for how the data was backed up (PodVolumeBackup, CSISnapshot, NativeSnapshot), none when it never was, unknown when Velero's volume info could not be read.",
    }),
    restoreMethod: Type.String({
      description:
        "Velero's word for how the restore brought the data back (PodVolumeRestore, CSISnapshot, NativeSnapshot), none when it did not.",
    }),
    phase: Nullable(
      Type.String({ description: 'Phase of the PodVolumeRestore or DataDownload that copied the data.' }),
    ),
    bytes: Nullable(Type.Number({ description: 'Bytes restored, as Velero counted them.' })),
    durationSeconds: Nullable(
      Type.Number({ description: "How long the copy took, by Velero's timestamps (seconds)." }),
    ),
    // Optional so that reports sealed before it existed still validate; dr-drill always writes it (null: none).
    snapshotId: Type.Optional(
      Nullable(
        Type.String({
          description:
            "The snapshot the data came back from, as Velero records it: the kopia snapshot id of a PodVolumeBackup (its status.snapshotID, the PodVolumeRestore's spec.snapshotID) or of moved CSI data (the DataDownload's spec.snapshotID), the CSI driver's snapshot handle, or the cloud provider's snapshot id; null when there is none.",
        }),
      ),
    ),
    dataRestored: Type.Boolean({ description: 'The data is proven back.' }),
    reason: Type.String({ description: 'How the data is known to be back, or why it is not.' }),
  },
  { additionalProperties: false, description: 'One restored volume and how its data came back.' },
);
/** One restored volume and how its data came back (restore.volumes[]). */
export type VolumeProofT = Static<typeof VolumeProof>;

/** Whether a negative control proved that the drill can fail; null when the run was not one. */
export const NegativeControlResult = Type.Object(
  {
    expectation: Type.String({ description: 'What was made impossible.' }),
    probe: Type.String({ description: 'The critical probe that carried the impossibility.' }),
    conclusive: Type.Boolean({
      description:
        'true: the drill FAILed only because of the planted impossibility (exit 0); false: it passed, errored, or failed for another reason.',
    }),
    reason: Type.String({ description: 'Why it is conclusive or not, with the real reasons when not.' }),
  },
  { additionalProperties: false, description: 'The judgement of a negative control; null when the run was not one.' },
);
/** The judgement of a negative control run (negativeControl); null in the report when the run was not one. */
export type NegativeControlResultT = Static<typeof NegativeControlResult>;
const Utc = (description: string) =>
  Type.String({ format: 'date-time', description: `${description} (UTC, ISO-8601).` });
const Seconds = (description: string) => Type.Number({ description: `${description} (seconds).` });
const Obj = <T extends Record<string, TSchema>>(props: T, description: string) =>
  Type.Object(props, { additionalProperties: false, description });

export const PhaseName = Type.Union(
  [
    ...BUILTIN_PHASES.map((p) => Type.Literal(p)),
    // A runbook hook is a phase of its own, placed at its point (spec.hooks[].at).
    Type.Unsafe<`hook:${string}`>(
      Type.String({ pattern: '^hook:[a-z0-9]([-a-z0-9]*[a-z0-9])?$', description: 'A runbook hook: hook:<name>.' }),
    ),
  ],
  { description: 'A drill phase, in the order they run.' },
);
export const PhaseOutcome = Type.Union(
  [Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('skipped'), Type.Literal('interrupted')],
  { description: 'How a phase ended.' },
);
export const ProbeOutcome = Type.Union(
  [Type.Literal('passed'), Type.Literal('failed'), Type.Literal('skipped'), Type.Literal('error')],
  { description: 'How a probe ended: error means it could not look (e.g. permission denied).' },
);
export const Verdict = Type.Union([Type.Literal('PASS'), Type.Literal('FAIL'), Type.Literal('ERROR')], {
  description:
    'PASS: recovery proven within objectives. FAIL: recovery fell short. ERROR: recovery could not be exercised.',
});

export const ReportEvent = Obj(
  {
    at: Utc('When it happened'),
    atSeconds: Seconds('Monotonic time since T0'),
    level: Type.Union([Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')]),
    message: Type.String({ description: 'What happened, for a human.' }),
  },
  'Something worth knowing that happened in a phase.',
);

export const Phase = Obj(
  {
    name: PhaseName,
    startedAt: Nullable(Utc('Phase start')),
    endedAt: Nullable(Utc('Phase end')),
    durationSeconds: Nullable(Seconds('How long the phase took, measured on the monotonic clock')),
    startSeconds: Nullable(Seconds('Phase start relative to T0 on the monotonic clock')),
    outcome: PhaseOutcome,
    reason: Nullable(Type.String({ description: 'Why the phase failed or was skipped.' })),
    effect: Nullable(
      Type.Union([Type.Literal('FAIL'), Type.Literal('ERROR')], {
        description:
          "What the phase's own outcome means for the verdict: FAIL (recovery fell short), ERROR (recovery could not be exercised); null: none (a phase whose children failed, e.g. verify's probes, leaves it to them).",
      }),
    ),
    events: Type.Array(ReportEvent),
    subphases: Type.Array(
      Obj(
        {
          name: Type.String({ description: 'e.g. queued, running.' }),
          durationSeconds: Nullable(Seconds('Duration')),
        },
        'A split of the phase (the restore is split into queued and running).',
      ),
    ),
  },
  'One phase of the drill.',
);

export const HookResult = Obj(
  {
    name: Type.String(),
    at: Type.String({
      description: 'The point it ran at: provision, before-restore, after-restore, after-verify or on-teardown.',
    }),
    command: Type.Array(Type.String(), { description: 'Command and arguments as run (secrets masked).' }),
    exitCode: Nullable(
      Type.Integer({ description: 'Exit code; null when it did not run, could not start, or was killed.' }),
    ),
    outcome: PhaseOutcome,
    durationSeconds: Nullable(Seconds('How long the command ran, measured on the monotonic clock')),
    countedInRto: Type.Boolean({
      description:
        'It ended before the RTO moment (the last critical probe pass), so its time is inside the achieved RTO.',
    }),
    outputFile: Nullable(
      Type.String({
        description: 'Its combined stdout/stderr, secrets masked, in the report folder (listed in SHA256SUMS).',
      }),
    ),
    reason: Nullable(
      Type.String({ description: 'Why it failed or was skipped: exit code or timeout and its last output line.' }),
    ),
  },
  'One runbook hook of the drill.',
);

export const ProbeResult = Obj(
  {
    name: Type.String(),
    kind: Type.String({ description: 'Probe kind, e.g. workload.' }),
    critical: Type.Boolean({ description: 'Whether it counts toward RTO and the verdict.' }),
    outcome: ProbeOutcome,
    passedAtSeconds: Nullable(Seconds('When it first passed, since T0')),
    durationSeconds: Nullable(Seconds('How long the probe ran')),
    subject: Type.String({
      description: 'What the probe looked at, in target terms (e.g. Deployment shop-drill-x/api).',
    }),
    lastObservation: Nullable(
      Type.String({ description: 'The last thing the probe saw: why it is not (yet) passing.' }),
    ),
  },
  'One probe of the restored copy.',
);

// Generic in `extra` so that Static<> keeps the extra fields (rpo.basis, rpo.recoveryPoint) in the type.
export const Objective = <E extends Record<string, TSchema>>(what: string, extra: E) =>
  Obj(
    {
      objectiveSeconds: Seconds(`The ${what} objective`),
      achievedSeconds: Nullable(Seconds(`The achieved ${what}; null when it was not measured`)),
      met: Nullable(Type.Boolean({ description: 'Whether the objective was met; null when not measured.' })),
      marginSeconds: Nullable(Seconds('Objective minus achieved: negative when missed')),
      uncertaintySeconds: Nullable(
        Seconds(
          'How far the achieved value may be off (timestamp resolution, the delay in observing T0, probe detection latency, clock offsets); met needs achieved + uncertainty <= objective',
        ),
      ),
      reason: Nullable(
        Type.String({ description: 'Why it was not measured, or how its measurement was bounded; null otherwise.' }),
      ),
      ...extra,
    },
    `${what} against its objective.`,
  );

export const ClockOffset = Obj(
  {
    offsetSeconds: Type.Number({
      description:
        "The API server's clock minus the runner's (seconds); Velero's timestamps are taken to be on its cluster's clock.",
    }),
    uncertaintySeconds: Type.Number({
      description:
        'Half the width of the interval the offset lies in (request round trip, one-second Date resolution).',
    }),
    method: Type.Literal('date-header', { description: 'From the Date header of an API response.' }),
  },
  "One API server's clock against the runner's.",
);

export const VeleroResultMessages = Obj(
  {
    velero: Type.Array(Type.String()),
    cluster: Type.Array(Type.String()),
    namespaces: Type.Record(Type.String(), Type.Array(Type.String())),
  },
  "Velero's messages, by where they arose.",
);

export const Report = Type.Object(
  {
    schemaVersion: Type.Literal(2),
    tool: Obj({ name: Type.Literal('dr-drill'), version: Type.String() }, 'The tool that wrote the report.'),
    drillId: Type.String({ pattern: '^[a-z0-9]{8}$', description: 'Random id of this drill; in every label.' }),
    scenario: Obj(
      {
        name: Type.String(),
        file: Nullable(Type.String({ description: 'Scenario file path as given.' })),
        sha256: Nullable(Type.String({ description: 'SHA-256 of the scenario file as read.' })),
        labels: Type.Record(Type.String(), Type.String()),
        // Optional, unlike other keys: reports sealed before controls existed must still verify.
        controls: Type.Optional(
          Type.Array(Type.String(), { description: 'Compliance controls the scenario evidences (metadata.controls).' }),
        ),
      },
      'The scenario this drill ran.',
    ),
    verdict: Verdict,
    reasons: Type.Array(Type.String(), { description: 'Why the verdict is what it is; empty for a clean PASS.' }),
    negativeControl: Type.Boolean({ description: 'This run was a deliberate negative control.' }),
    negativeControlResult: Nullable(NegativeControlResult),
    startedAt: Utc('When the drill started'),
    endedAt: Nullable(Utc('When the report was sealed')),
    t0: Utc('Disaster time T0: RTO and RPO are measured from it'),
    t0Basis: Type.Union([Type.Literal('drill-start'), Type.Literal('backup-completed'), Type.Literal('disaster-at')], {
      description: 'How T0 was chosen.',
    }),
    rto: Objective('RTO', {}),
    rpo: Objective('RPO', {
      basis: Nullable(
        Type.Union([Type.Literal('canary'), Type.Literal('backup-start')], {
          description: 'canary: newest data proven in the restored copy; backup-start: a conservative bound.',
        }),
      ),
      recoveryPoint: Nullable(Utc('The recovery point')),
    }),
    clocks: Obj(
      {
        source: Nullable(ClockOffset),
        target: Nullable(ClockOffset),
      },
      "The API servers' clocks against the runner's, measured so that times from different clocks (T0, Velero's timestamps, canary markers) are compared on one; null: not measured.",
    ),
    source: Obj(
      { kubeContext: Nullable(Type.String()), veleroNamespace: Nullable(Type.String()) },
      'Where the protected workload lives.',
    ),
    target: Obj(
      {
        kind: Type.String({ description: 'namespace, cluster or aks.' }),
        kubeContext: Nullable(Type.String()),
        veleroNamespace: Nullable(Type.String()),
        namespaceMapping: Type.Record(Type.String(), Type.String(), { description: 'Source → target namespace.' }),
        veleroInstall: Nullable(
          Obj(
            {
              performed: Type.Boolean({ description: 'The drill installed Velero in the target.' }),
              method: Nullable(
                Type.Union([Type.Literal('cli'), Type.Literal('manifests')], {
                  description: 'cli: rendered by velero install --dry-run; manifests: generated by dr-drill.',
                }),
              ),
              cliVersion: Nullable(
                Type.String({ description: 'Version of the velero CLI that rendered the install.' }),
              ),
              reason: Type.String({ description: 'Why it was installed or skipped, in words.' }),
              dataPath: Nullable(
                Obj(
                  {
                    volumeData: Type.String({
                      description:
                        "What the backup's volume data needs, in Velero's words (PodVolumeBackups, data-mover uploads, CSI or native snapshots), or 'no volume data'.",
                    }),
                    nodeAgent: Type.Boolean({
                      description: 'The node-agent DaemonSet was installed (--use-node-agent).',
                    }),
                    privilegedNodeAgent: Type.Boolean({
                      description: 'node-agent runs privileged (--privileged-node-agent), for block volumes only.',
                    }),
                    features: Type.Array(Type.String(), {
                      description: 'Velero feature flags set on the server and node-agent (EnableCSI).',
                    }),
                    repositoryPasswordFrom: Nullable(
                      Type.Union([Type.Literal('source'), Type.Literal('velero-default')], {
                        description:
                          "Where Secret velero-repo-credentials (the kopia repository password) came from: source, copied from the source cluster (its value is never reported); velero-default, the source's could not be read and Velero made its default one. null when no volume data needs it.",
                      }),
                    ),
                    volumeSnapshotLocations: Type.Array(Type.String(), {
                      description: "The source's VolumeSnapshotLocations copied by name, for native snapshots.",
                    }),
                  },
                  "What the install added for the backup's volume data; null when nothing was installed.",
                ),
              ),
            },
            'Velero in a target the drill provisioned (aks); null for existing clusters.',
          ),
        ),
      },
      'Where the drill restored.',
    ),
    backup: Obj(
      {
        name: Nullable(Type.String()),
        phase: Nullable(Type.String({ description: "Velero's phase, verbatim." })),
        startTimestamp: Nullable(Utc('Backup start')),
        completionTimestamp: Nullable(Utc('Backup completion')),
        schedule: Nullable(Type.String()),
        storageLocation: Nullable(Type.String()),
        takenByDrill: Type.Boolean({ description: 'The drill created this backup (it is kept).' }),
      },
      'The backup restored.',
    ),
    restore: Obj(
      {
        name: Nullable(Type.String()),
        phase: Nullable(Type.String({ description: "Velero's phase, verbatim." })),
        warnings: Nullable(Type.Integer({ description: "Velero's warning count." })),
        errors: Nullable(Type.Integer({ description: "Velero's error count." })),
        failureReason: Nullable(Type.String()),
        validationErrors: Type.Array(Type.String()),
        startTimestamp: Nullable(Utc('Velero started processing')),
        completionTimestamp: Nullable(Utc('Velero finished')),
        queuedSeconds: Nullable(Seconds('Created until Velero started it (restores run one at a time)')),
        runningSeconds: Nullable(Seconds('Velero start until a terminal phase')),
        itemsRestored: Nullable(Type.Integer()),
        totalItems: Nullable(Type.Integer()),
        messages: Nullable(Obj({ warnings: VeleroResultMessages, errors: VeleroResultMessages }, 'The results file.')),
        messagesSource: Nullable(
          Type.Union([Type.Literal('download-request'), Type.Literal('storage')], {
            description: 'Where the messages were read from.',
          }),
        ),
        triage: Type.Array(Type.String(), { description: 'What the outcome means, in words an operator understands.' }),
        // Optional so that reports sealed before they existed still validate; dr-drill always writes both.
        volumeData: Type.Optional(
          Type.Union([Type.Literal('checked'), Type.Literal('metadata-only')], {
            description: "metadata-only: the scenario does not require volume data ('volume data not checked').",
          }),
        ),
        volumes: Type.Optional(
          Nullable(
            Type.Array(VolumeProof, {
              description: 'Each restored volume and how its data came back; null when no restore produced a copy.',
            }),
          ),
        ),
        // Optional so that reports sealed before it existed still validate; dr-drill always writes it (null: none).
        crossRegion: Type.Optional(
          Nullable(
            Obj(
              {
                storageClassConfigMap: Nullable(
                  Obj(
                    {
                      name: Type.String(),
                      ownedByDrill: Type.Boolean({
                        description:
                          'The drill created it (and removes it); false: existing Velero configuration, used as is.',
                      }),
                      mapping: Type.Record(Type.String(), Type.String(), {
                        description: 'Source class → target class, as the ConfigMap holds it.',
                      }),
                    },
                    "Velero's change-storage-class ConfigMap the restore ran with.",
                  ),
                ),
                resourceModifierConfigMap: Nullable(
                  Obj(
                    {
                      name: Type.String(),
                      generatedRules: Type.Integer({ description: 'Zone rules generated from the backup contents.' }),
                      scenarioRules: Type.Integer({ description: "Rules from the scenario's resourceModifiers." }),
                    },
                    "The resource-modifier ConfigMap the Restore's spec.resourceModifier referenced.",
                  ),
                ),
                zoneMap: Type.Record(Type.String(), Type.String(), { description: 'Source zone → target zone.' }),
                dropNodeAffinity: Type.Boolean(),
              },
              'Storage classes, zones and resource modifiers applied for the target region.',
            ),
          ),
        ),
      },
      'The Velero Restore the drill made.',
    ),
    phases: Type.Array(Phase),
    probes: Type.Array(ProbeResult),
    // Optional so that reports sealed before hooks existed still validate; dr-drill always writes it.
    hooks: Type.Optional(
      Type.Array(HookResult, { description: 'Runbook hooks (spec.hooks), in the order they were meant to run.' }),
    ),
    teardown: Obj(
      {
        performed: Type.Boolean(),
        reason: Nullable(Type.String({ description: 'Why teardown was skipped.' })),
        deleted: Type.Array(Type.String({ description: 'kind namespace/name' })),
        leftBehind: Type.Array(
          Obj({ object: Type.String(), reason: Type.String() }, 'Something teardown could not remove; run cleanup.'),
        ),
      },
      'What teardown removed and what it left for dr-drill cleanup.',
    ),
    blastRadius: Nullable(
      Obj(
        {
          checked: Type.Integer({
            minimum: 0,
            description:
              'Pre-existing objects the restore could write that the drill does not own (cluster-scoped items of the backup, items of non-scratch namespaces, and in the source cluster the source namespaces and their objects), read before the Restore was created and again after teardown.',
          }),
          changed: Type.Array(
            Obj(
              {
                apiVersion: Nullable(Type.String()),
                kind: Type.String(),
                namespace: Nullable(Type.String({ description: 'null: cluster-scoped.' })),
                name: Type.String(),
                what: Type.String({
                  description:
                    'What changed: gone, replaced (new uid), spec/data/labels/annotations changed, or updated by the restore (its resource list).',
                }),
              },
              'A pre-existing object the drill changed.',
            ),
            { description: 'Any entry makes the verdict ERROR: the drill changed an object it does not own.' },
          ),
          notChecked: Type.Array(Type.String(), {
            description: 'Objects or kinds that could not be read (e.g. no permission), and why.',
          }),
          recordSeconds: Nullable(
            Seconds('Time spent recording the objects before the Restore was created; left out of the achieved RTO'),
          ),
        },
        'Proof that the drill left what it does not own as it was; null when no restore was attempted.',
      ),
    ),
    isolation: Nullable(
      Obj(
        {
          mode: Type.Union([Type.Literal('strict'), Type.Literal('none')], { description: 'target.isolation.' }),
          networkPolicies: Type.Array(Type.String(), {
            description: 'Default-deny NetworkPolicies the drill created (namespace/name).',
          }),
          cronJobsSuspended: Type.Array(Type.String(), {
            description: 'Restored CronJobs, suspended (namespace/name).',
          }),
          servicesMadeClusterIP: Type.Array(Type.String(), {
            description: 'Restored Services of type LoadBalancer, made ClusterIP (namespace/name).',
          }),
          ingressesLeftOut: Type.Array(Type.String(), {
            description: 'Ingresses of the backup the restore left out (namespace/name, as in the source).',
          }),
          podSecurityLabels: Type.Record(Type.String(), Type.Record(Type.String(), Type.String()), {
            description: "Target namespace → the source namespace's pod-security.kubernetes.io labels copied onto it.",
          }),
          notes: Type.Array(Type.String(), { description: 'What isolation could not do, and why.' }),
        },
        'What a scratch copy had neutralised so that it cannot act on live traffic, schedules or load balancers; null before the target was prepared.',
      ),
    ),
    warnings: Type.Array(Type.String(), { description: 'Non-fatal things worth knowing.' }),
    rehearsal: Nullable(
      Obj(
        {
          operatorSeconds: Seconds('Time the operator spent at the pauses before phases (run --step)'),
          pauses: Type.Array(Obj({ beforePhase: PhaseName, seconds: Seconds('Pause') }, 'A pause before a phase.')),
          machineRtoSeconds: Nullable(
            Seconds('Achieved RTO minus the operator time before it: what a nightly drill would measure'),
          ),
        },
        'A rehearsal (run --step): RTO as lived includes operator time, as in a real failover; the machine time is kept apart.',
      ),
    ),
    evidence: Obj(
      {
        previousReportSha256: Nullable(
          Type.String({ description: 'SHA-256 of the previous report.json of the scenario.' }),
        ),
        previousDrillId: Nullable(Type.String()),
        // Optional so that reports sealed before it existed still validate; dr-drill always writes it.
        previousFrom: Type.Optional(
          Nullable(
            Type.Union([Type.Literal('report-dir'), Type.Literal('evidence-container')], {
              description:
                'Where the previous report was found at sealing: the local report dir, or the evidence container (a CI runner keeps no report dir).',
            }),
          ),
        ),
        // Optional so that reports sealed before signing existed still validate; dr-drill always writes it.
        // Not named "signature": redaction masks the whole value of any key named like a secret (…signature, …sig).
        signedBy: Type.Optional(
          Nullable(
            Obj(
              {
                algorithm: Type.Literal('ed25519'),
                publicKeyPem: Type.String({
                  description: 'SPKI PEM of the key that signed SHA256SUMS (in SHA256SUMS.sig, base64).',
                }),
                publicKeySha256: Type.String({
                  pattern: '^[0-9a-f]{64}$',
                  description: 'SHA-256 of the public key (SPKI DER), hex.',
                }),
              },
              'The Ed25519 signature over SHA256SUMS; null when the drill was not signed (run --sign-key).',
            ),
          ),
        ),
        chainStart: Nullable(
          Obj(
            {
              reason: Type.String({
                description:
                  'Why the drill found no previous report, e.g. "no earlier sealed drill of payments-nightly in reports/ and no evidence upload".',
              }),
            },
            'Set when the drill links to no previous drill: a chain start recorded (and signed) at sealing, which report verify --chain reports as such instead of as a cut link; null when it links to one.',
          ),
        ),
        // Optional so that reports sealed before it existed still validate; dr-drill always writes it.
        immutability: Type.Optional(
          Nullable(
            Obj(
              {
                container: Type.String({ description: 'The evidence container (spec.report.upload.container).' }),
                prefix: Nullable(Type.String({ description: 'The prefix inside it.' })),
                policyMode: Type.Union([Type.Literal('Locked'), Type.Literal('Unlocked')], {
                  description:
                    'Locked: nobody can shorten or remove the policy; Unlocked: the storage account owner can.',
                }),
                periodSeconds: Type.Integer({
                  minimum: 0,
                  description: 'How long after sealing (endedAt) each uploaded blob must stay immutable, at least.',
                }),
              },
              'The immutability policy the upload sets on each blob, stated before sealing so that the signed report says it and report verify --container can compare the blobs with it; null: the drill uploads nothing.',
            ),
          ),
        ),
        ranBy: Nullable(
          Obj(
            {
              kube: Type.Array(
                Obj(
                  {
                    cluster: Type.Union([Type.Literal('source'), Type.Literal('target')]),
                    context: Type.String({ description: 'The kubeconfig context.' }),
                    user: Nullable(
                      Type.String({ description: 'The user name the API server saw (SelfSubjectReview).' }),
                    ),
                    groups: Type.Array(Type.String(), { description: "That user's groups." }),
                    error: Nullable(
                      Type.String({ description: 'Why the API server could not be asked; null: asked.' }),
                    ),
                  },
                  'The identity one cluster the drill used saw, from a SelfSubjectReview (authentication.k8s.io).',
                ),
              ),
              azure: Type.Array(
                Obj(
                  {
                    use: Type.Union([Type.Literal('arm'), Type.Literal('storage'), Type.Literal('evidence-upload')]),
                    credential: Type.String({
                      description:
                        'How it signed in: DefaultAzureCredential, DR_DRILL_ARM_TOKEN, or a connection string (shared key or SAS).',
                    }),
                    principal: Nullable(
                      Type.String({
                        description:
                          "The principal: the token's appid/oid/upn claims, or the storage account a shared key belongs to; null when unknown.",
                      }),
                    ),
                    error: Nullable(Type.String({ description: 'Why the principal is unknown; null: known.' })),
                  },
                  'One Azure identity the drill used.',
                ),
              ),
            },
            'Who ran the drill, as the clusters and Azure saw it; null when nothing was asked (a report sealed outside a drill).',
          ),
        ),
        trend: Nullable(
          Type.Array(
            Obj(
              {
                drillId: Type.String(),
                startedAt: Type.String(),
                verdict: Nullable(Verdict),
                rtoAchievedSeconds: Nullable(Type.Number()),
                rtoObjectiveSeconds: Nullable(Type.Number()),
              },
              'One earlier drill of the scenario.',
            ),
            {
              description:
                "The earlier drills report.html's trend chart drew, so that report.html re-renders from report.json alone; null without HTML.",
            },
          ),
        ),
      },
      'The chain to the previous drill of the same scenario.',
    ),
  },
  {
    $id: 'https://dr-drill.dev/schemas/report.v2.json',
    title: 'dr-drill report (schemaVersion 2)',
    description: 'The evidence of one drill.',
    additionalProperties: false,
  },
);

/** A report.json of schemaVersion 2: the evidence of one drill, the tree the verdict is derived from. */
export type Report = Static<typeof Report>;
/** One phase of the drill in the report: its times, outcome, events and what it measured. */
export type PhaseReport = Static<typeof Phase>;
/** A phase's name: a built-in phase (report/phases.ts) or a hook phase. */
export type PhaseNameT = Static<typeof PhaseName>;
/** How a phase ended, in the report's words. */
export type PhaseOutcomeT = Static<typeof PhaseOutcome>;
/** One probe's result in the verify phase: outcome, observations, duration. */
export type ProbeResultT = Static<typeof ProbeResult>;
/** One runbook hook's run: exit code, duration, masked output. */
export type HookResultT = Static<typeof HookResult>;
/** How a probe ended. */
export type ProbeOutcomeT = Static<typeof ProbeOutcome>;
/** The drill's verdict: PASS, FAIL or ERROR (measure/verdict.ts derives it from the report tree). */
export type VerdictT = Static<typeof Verdict>;
/** One line of a phase's event log (level, time, message), as the journal and report keep it. */
export type ReportEventT = Static<typeof ReportEvent>;
/** Velero's warnings or errors of a restore, as its results file groups them (Velero, cluster, per namespace). */
export type VeleroMessages = Static<typeof VeleroResultMessages>;
