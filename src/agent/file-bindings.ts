// The edge's binding table as a file the edge's services read (JSON, one object per binding), written
// beside and renamed so a reader never sees half of it. held() reads the file back: what is reported is
// what is on disk, not what was meant to be written.
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { BindingTable } from '../edge/agent.js';
import { bindingSetDigest } from '../snapshot/digest.js';
import type { Binding } from '../snapshot/model.js';
import { type LocationView, viewBindings } from '../snapshot/view.js';

export class FileBindingTable implements BindingTable {
  constructor(private readonly path: string) {}

  async apply(view: LocationView): Promise<void> {
    const rows = [...viewBindings(view)].map(({ locations: _, ...b }) => b);
    await writeFile(`${this.path}.tmp`, `${JSON.stringify({ snapshot: view.snapshotId, bindings: rows })}\n`);
    await rename(`${this.path}.tmp`, this.path);
  }

  async held(): Promise<{ digest: string; count: number }> {
    const rows = await this.read();
    return { digest: bindingSetDigest(rows), count: rows.length };
  }

  async read(): Promise<Omit<Binding, 'locations'>[]> {
    const text = await readFile(this.path, 'utf8').catch(() => null);
    if (text === null) return [];
    return (JSON.parse(text) as { bindings: Omit<Binding, 'locations'>[] }).bindings;
  }
}
