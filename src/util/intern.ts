// One instance of each repeated short text. Every JSON.parse and template string makes a new
// string, so thousands of open sessions would each hold their own copy of the same mark
// message, model name or tool name; these are looked up here and the first instance kept.
// Bounded: past `max` distinct texts the table starts over (a miss only costs a copy).

export class Interner {
  private readonly table = new Map<string, string>();
  private readonly max: number;
  private readonly maxLength: number;

  constructor(max = 1024, maxLength = 512) {
    this.max = max;
    this.maxLength = maxLength;
  }

  get(text: string): string {
    if (text.length > this.maxLength) return text;
    const known = this.table.get(text);
    if (known !== undefined) return known;
    if (this.table.size >= this.max) this.table.clear();
    this.table.set(text, text);
    return text;
  }

  get size(): number {
    return this.table.size;
  }
}

/** The process's table for names and messages kept by open sessions. */
export const sharedText = new Interner();
