import { idiag, type ImportCode, type ImportDiagnostic } from './diagnostics';
import type { Source } from './source';
import { wordOffset, type Word } from './shell';

/** Where the importer writes its diagnostics, each placed at a word (and an index into it) of the source. */
export class Reporter {
  readonly diagnostics: ImportDiagnostic[] = [];
  constructor(readonly src: Source) {}

  /** Report at character `index` of `word` (or at no place). */
  add(code: ImportCode, message: string, word: Word | null, index = 0, nodes: readonly string[] = []): void {
    this.diagnostics.push(idiag(code, message, word ? this.src.at(wordOffset(word, index)) : null, nodes));
  }

  /** Report at a source offset. */
  addAt(code: ImportCode, message: string, offset: number, nodes: readonly string[] = []): void {
    this.diagnostics.push(idiag(code, message, this.src.at(offset), nodes));
  }
}
