import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

// STYLE.md 12: exported interfaces, classes and types carry a doc comment (issue #17 item 5). A newcomer reads a
// type's purpose where it is declared and in the editor's hover; a new undocumented export fails here, by name.
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

/** `file:line kind Name` of each exported interface, class or type alias in `text` without a `/** … *\/` above it. */
function undocumented(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  return source.statements.flatMap((st) => {
    if (!ts.isInterfaceDeclaration(st) && !ts.isClassDeclaration(st) && !ts.isTypeAliasDeclaration(st)) return [];
    const kind = ts.isInterfaceDeclaration(st) ? 'interface' : ts.isClassDeclaration(st) ? 'class' : 'type';
    if (!st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return [];
    const comments = ts.getLeadingCommentRanges(text, st.getFullStart()) ?? [];
    if (comments.some((c) => text.startsWith('/**', c.pos))) return [];
    const line = source.getLineAndCharacterOfPosition(st.getStart(source)).line + 1;
    return [`${relative('src', file)}:${line} ${kind} ${st.name?.text ?? '(default)'}`];
  });
}

describe('doc comments (STYLE.md 12)', () => {
  it('every exported interface, class and type of src/ has one', () => {
    expect(files('src').flatMap((f) => undocumented(f, readFileSync(f, 'utf8')))).to.deep.equal([]);
  });

  it('an export without one is found, by file, line and name; a line comment does not count', () => {
    const text =
      '/** Documented. */\nexport interface A {}\n// not a doc comment\nexport type B = string;\nclass C {}\n';
    expect(undocumented('src/x.ts', text)).to.deep.equal(['x.ts:4 type B']);
  });
});
