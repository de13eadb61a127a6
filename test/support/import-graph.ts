/**
 * The imports of a source file, read with the TypeScript parser (not regexes), for what each command loads at start
 * (startup-imports.test.ts). An edge knows whether it loads code at run time (`import type` and type-only specifiers
 * do not) and whether it is a lazy `import()`. The structure rule (direction, cycles) is dependency-cruiser's, in
 * .dependency-cruiser.mjs: this file only answers "what is loaded when".
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** Absolute path of the importing file. */
  from: string;
  /** Absolute path of the imported file for a relative import; the package name otherwise. */
  to: string;
  /** True when `to` is a file under the project (a relative import). */
  local: boolean;
  /**
   * `import type` / `export type`: nothing is loaded at run time. `import { type A }` does load the module:
   * under verbatimModuleSyntax it is emitted as `import {} from …`.
   */
  typeOnly: boolean;
  /** `await import('…')`: loaded when that line runs, not at start. */
  dynamic: boolean;
}

export const srcDir = resolve('src');

function resolveLocal(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')])
    if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  return base;
}

/** Every import of one file: static imports, re-exports and `import()` calls. */
export function importsOf(file: string, text = readFileSync(file, 'utf8')): ImportEdge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (spec: string, typeOnly: boolean, dynamic: boolean) => {
    const local = spec.startsWith('.');
    edges.push({ from: file, to: local ? resolveLocal(file, spec) : spec, local, typeOnly, dynamic });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.importClause?.isTypeOnly ?? false, false);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly, false);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node.arguments[0].text, false, true);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node.argument.literal.text, true, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}
