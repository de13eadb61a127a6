/**
 * `manifest take`: a file manifest (path, size, SHA-256) of a directory in a pod, for a checksum probe's
 * `against: { manifestFile }` — e.g. taken from the source on the day the backup ran, kept with the scenario.
 */
import { writeFileSync } from 'node:fs';
import { defineCommand, defineGroup } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { inputError } from '../../util/errors.js';
import { loadKubeConfig, gatewayFor, requireContexts } from '../../kube/kubeconfig.js';
import { takeManifest } from '../../probes/checksum.js';
import { durationFlag } from '../flags.js';

interface TakeArgs {
  context?: string;
  namespace: string;
  pod?: string;
  selector?: string;
  container?: string;
  path: string;
  out?: string;
  timeout: string;
}

const take = defineCommand<TakeArgs>({
  command: 'take',
  describe: 'Record path, size and SHA-256 of every file under --path in a pod (run through pods/exec)',
  builder: (y) =>
    y
      .option('namespace', { alias: 'n', type: 'string', demandOption: true, describe: 'Namespace of the pod' })
      .option('pod', { type: 'string', describe: 'Pod name' })
      .option('selector', { alias: 'l', type: 'string', describe: 'Label selector; the first Ready pod is used' })
      .option('container', { alias: 'c', type: 'string', describe: "Container (default: the pod's first)" })
      .option('path', {
        type: 'string',
        demandOption: true,
        describe: 'Absolute directory in the container, e.g. the volume mount',
      })
      .option('out', { alias: 'f', type: 'string', describe: 'Write the manifest to this file (default: stdout)' })
      .option('timeout', { type: 'string', default: '2m', describe: 'How long the command may run' }) as never,
  run: async (args) => {
    if (!args.pod === !args.selector)
      throw inputError('MANIFEST_POD', 'give exactly one of --pod or --selector', 'e.g. --selector app=postgres');
    if (!args.path.startsWith('/'))
      throw inputError('MANIFEST_PATH', `--path ${args.path} is not absolute`, 'e.g. --path /var/lib/postgresql/data');
    const timeoutMs = durationFlag('timeout', args.timeout, '2m');
    const kc = loadKubeConfig(args.kubeconfig);
    requireContexts(kc, [args.context ?? null]);
    const gw = gatewayFor(kc, args.context ?? null);
    const manifest = await takeManifest(
      gw,
      args.namespace,
      { name: args.pod, selector: args.selector, container: args.container },
      args.path,
      timeoutMs,
    );
    const text = JSON.stringify(manifest, null, 2) + '\n';
    if (args.out) {
      writeFileSync(args.out, text);
      if (args.output === 'json')
        printJson({ file: args.out, files: manifest.files.length, root: manifest.root, takenAt: manifest.takenAt });
      else printLine(`${args.out}: ${manifest.files.length} file(s) under ${manifest.root}, taken ${manifest.takenAt}`);
    } else {
      process.stdout.write(text);
    }
    return EXIT.pass;
  },
});

export const manifestCommand = defineGroup('manifest', 'File manifests for checksum probes', [take]);
