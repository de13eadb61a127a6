/**
 * Entry point of the node stand-in process (started detached by `local up --fs-backup`, one per cluster):
 * `node node-stand-in-main.js --cluster <name>` with DR_DRILL_LOCAL_STATE and DR_DRILL_BIN_DIR set by the starter.
 */
import { binDir } from './binaries.js';
import { clusterKubeconfig } from './clusters.js';
import { mountsDir } from './exec-wrapper.js';
import { fsBackupPaths } from './fs-backup.js';
import { CLUSTERS, localLayout, VELERO_NAMESPACE, type ClusterName } from './layout.js';
import { NodeStandIn } from './node-stand-in.js';

const i = process.argv.indexOf('--cluster');
const cluster = process.argv[i + 1] as ClusterName;
if (i < 0 || !CLUSTERS.includes(cluster)) {
  process.stderr.write(`usage: node-stand-in-main --cluster ${CLUSTERS.join('|')}\n`);
  process.exit(2);
}
const layout = localLayout();
const bin = binDir(process.env.DR_DRILL_BIN_DIR ?? '');
const paths = fsBackupPaths(layout, cluster);
const standIn = new NodeStandIn({
  cluster,
  kubeconfig: clusterKubeconfig(layout, cluster),
  podsRoot: paths.podsRoot,
  pvStore: paths.pvStore,
  mountsDir: mountsDir(layout, cluster),
  runDir: paths.runDir,
  logsDir: layout.logsDir,
  velero: bin.path('velero'),
  veleroNamespace: VELERO_NAMESPACE,
  azureCredentials: layout.azureCredentials,
  readyFile: paths.readyFile,
});
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    standIn.stop();
    process.exit(0);
  });
}
await standIn.start();
