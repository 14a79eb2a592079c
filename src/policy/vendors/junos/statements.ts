// Junos configuration text, in either form, to one flat list of statements: the full path of words from the
// root ("policy-options policy-statement P term T from route-type internal") with its line and where it
// was deactivated. Curly-brace text and `set` commands give the same list, so the model is built once.
// Handled here: `inactive:` (curly), `set` / `delete` / `deactivate` / `activate` (set form), bracket
// lists `[ a b ]` (one statement per element), comments (`#`, `/* */`), quoted strings, and basic
// `apply-groups` (a group's statements are added under the level that applies it, `<*>` wildcards included).

export interface Statement {
  words: string[];
  line: number;
  /** Index of the word whose node was deactivated (this statement and all below it are inactive). */
  inactiveAt?: number;
  /** Came from `groups NAME` through apply-groups. */
  group?: string;
}

export interface ParsedJunos {
  statements: Statement[];
  /** Lines the parser could not read, with why. */
  problems: { line: number; message: string }[];
  lines: number;
  form: 'curly' | 'set';
}

interface Token {
  text: string;
  line: number;
  quoted: boolean;
}

function tokenize(text: string, problems: ParsedJunos['problems']): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') i++;
    else if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let k = i; k < stop; k++) if (text[k] === '\n') line++;
      i = stop;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < n && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < n) j++;
        if (text[j] === '\n') line++;
        s += text[j];
        j++;
      }
      if (j >= n) problems.push({ line, message: 'unterminated quoted string' });
      out.push({ text: s, line, quoted: true });
      i = j + 1;
    } else if ('{};[]'.includes(c)) {
      out.push({ text: c, line, quoted: false });
      i++;
    } else {
      let j = i;
      while (j < n && !' \t\r\n{};[]"'.includes(text[j]!)) j++;
      out.push({ text: text.slice(i, j), line, quoted: false });
      i = j;
    }
  }
  return out;
}

/** Expand bracket lists: ["members", ["a", "b"]] → [["members","a"], ["members","b"]]. */
function expand(words: (string | string[])[]): string[][] {
  let acc: string[][] = [[]];
  for (const w of words) {
    if (typeof w === 'string') for (const a of acc) a.push(w);
    else if (w.length === 0) continue;
    else acc = acc.flatMap((a) => w.map((x) => [...a, x]));
  }
  return acc;
}

/** Read words up to `;`, `{` or `}`, collecting `[ ... ]` lists. */
function readWords(toks: Token[], pos: number): { words: (string | string[])[]; next: number } {
  const words: (string | string[])[] = [];
  let i = pos;
  while (i < toks.length) {
    const t = toks[i]!;
    if (!t.quoted && (t.text === ';' || t.text === '{' || t.text === '}')) break;
    if (!t.quoted && t.text === '[') {
      const list: string[] = [];
      i++;
      while (i < toks.length && !(toks[i]!.text === ']' && !toks[i]!.quoted)) {
        if (toks[i]!.text === ';' && !toks[i]!.quoted) break;
        list.push(toks[i]!.text);
        i++;
      }
      i++;
      words.push(list);
      continue;
    }
    words.push(t.text);
    i++;
  }
  return { words, next: i };
}

function parseCurly(text: string): ParsedJunos {
  const problems: ParsedJunos['problems'] = [];
  const toks = tokenize(text, problems);
  const statements: Statement[] = [];
  // Stack of enclosing blocks: their paths and whether (and where) they were deactivated.
  const stack: { path: string[]; inactiveAt?: number }[] = [{ path: [] }];
  let i = 0;
  while (i < toks.length) {
    const t = toks[i]!;
    if (!t.quoted && t.text === '}') {
      if (stack.length === 1) problems.push({ line: t.line, message: 'unbalanced }' });
      else stack.pop();
      i++;
      continue;
    }
    if (!t.quoted && t.text === ';') {
      i++;
      continue;
    }
    const parent = stack[stack.length - 1]!;
    let inactive = false;
    let j = i;
    // Annotations before a statement: inactive: (deactivated), protect:, replace:, delete: (no meaning here).
    while (j < toks.length && !toks[j]!.quoted && /^(inactive|protect|replace|delete|active):$/.test(toks[j]!.text)) {
      if (toks[j]!.text === 'inactive:') inactive = true;
      j++;
    }
    const { words, next } = readWords(toks, j);
    const line = toks[j]?.line ?? t.line;
    const end = toks[next];
    const lists = expand(words);
    const flatLen = parent.path.length + (lists[0]?.length ?? 0);
    const inactiveAt = parent.inactiveAt ?? (inactive ? flatLen - 1 : undefined);
    if (end === undefined) {
      if (words.length > 0) problems.push({ line, message: 'statement not terminated by ; or {' });
      break;
    }
    if (end.text === '{') {
      const path = [...parent.path, ...(lists[0] ?? [])];
      statements.push({ words: path, line, ...(inactiveAt !== undefined ? { inactiveAt } : {}) });
      stack.push({ path, ...(inactiveAt !== undefined ? { inactiveAt } : {}) });
      i = next + 1;
      continue;
    }
    for (const w of lists) {
      statements.push({ words: [...parent.path, ...w], line, ...(inactiveAt !== undefined ? { inactiveAt } : {}) });
    }
    i = end.text === ';' ? next + 1 : next;
  }
  if (stack.length > 1)
    problems.push({ line: toks[toks.length - 1]?.line ?? 1, message: 'unbalanced {: a block is not closed' });
  return { statements, problems, lines: countLines(text), form: 'curly' };
}

function countLines(text: string): number {
  return text.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#')).length;
}

function startsWith(words: readonly string[], prefix: readonly string[]): boolean {
  if (prefix.length > words.length) return false;
  for (let i = 0; i < prefix.length; i++) if (words[i] !== prefix[i]) return false;
  return true;
}

function parseSet(text: string): ParsedJunos {
  const problems: ParsedJunos['problems'] = [];
  let statements: Statement[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const toks = tokenize(raw, problems).filter((t) => t.quoted || t.text !== ';');
    const verb = toks[0]?.text;
    const { words } = readWords(toks, 1);
    const line = n + 1;
    const paths = expand(words);
    if (verb === 'set') {
      for (const w of paths) {
        if (!statements.some((s) => s.words.length === w.length && startsWith(s.words, w)))
          statements.push({ words: w, line });
      }
    } else if (verb === 'delete') {
      for (const w of paths) statements = statements.filter((s) => !startsWith(s.words, w));
    } else if (verb === 'deactivate' || verb === 'activate') {
      for (const w of paths) {
        let hit = false;
        for (const s of statements) {
          if (!startsWith(s.words, w)) continue;
          hit = true;
          if (verb === 'deactivate') s.inactiveAt = Math.min(s.inactiveAt ?? Number.POSITIVE_INFINITY, w.length - 1);
          else if (s.inactiveAt === w.length - 1) delete s.inactiveAt;
        }
        if (!hit) problems.push({ line, message: `${verb} ${w.join(' ')}: no such statement` });
      }
    } else {
      problems.push({ line, message: `"${verb}" is not a set-form command (set, delete, deactivate, activate)` });
    }
  }
  return { statements, problems, lines: countLines(text), form: 'set' };
}

/** True when the text is in `set` form (its first command is set/delete/deactivate/activate). */
export function isSetForm(text: string): boolean {
  for (const l of text.split('\n')) {
    const t = l.trim();
    if (t === '' || t.startsWith('#')) continue;
    return /^(set|delete|deactivate|activate)\s/.test(t);
  }
  return false;
}

function wildcardMatch(pattern: string, word: string): boolean {
  if (!pattern.startsWith('<') || !pattern.endsWith('>')) return pattern === word;
  const glob = pattern.slice(1, -1);
  const re = new RegExp(
    `^${glob
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(word);
}

/** Apply `apply-groups G` at every level: the group's statements below that level, wildcards matched. */
function applyGroups(parsed: ParsedJunos): void {
  const groups = new Map<string, Statement[]>();
  const rest: Statement[] = [];
  for (const s of parsed.statements) {
    if (s.words[0] === 'groups' && s.words.length > 2) {
      const g = s.words[1]!;
      const list = groups.get(g) ?? [];
      list.push({
        words: s.words.slice(2),
        line: s.line,
        group: g,
        ...(s.inactiveAt !== undefined && s.inactiveAt >= 2 ? { inactiveAt: s.inactiveAt - 2 } : {}),
      });
      groups.set(g, list);
    } else if (s.words[0] !== 'groups') rest.push(s);
  }
  const added: Statement[] = [];
  for (const s of rest) {
    const k = s.words.indexOf('apply-groups');
    if (k < 0 || k !== s.words.length - 2) continue;
    if (s.inactiveAt !== undefined) continue;
    const level = s.words.slice(0, k);
    const g = groups.get(s.words[k + 1]!);
    if (g === undefined) {
      parsed.problems.push({ line: s.line, message: `apply-groups ${s.words[k + 1]}: no such group` });
      continue;
    }
    for (const gs of g) {
      if (gs.words.length < level.length) continue;
      if (!level.every((w, i) => wildcardMatch(gs.words[i]!, w))) continue;
      // Wildcard levels below the applying level stay patterns: expand them against the explicit config.
      const tail = gs.words.slice(level.length);
      const w = [...level, ...tail];
      if (w.some((x) => x.startsWith('<'))) {
        for (const target of rest) {
          if (target.words.length < w.length - 1) continue;
          const prefixLen = w.findIndex((x) => x.startsWith('<')) + 1;
          if (!w.slice(0, prefixLen).every((x, i) => wildcardMatch(x, target.words[i]!))) continue;
          const concrete = [...target.words.slice(0, prefixLen), ...w.slice(prefixLen)];
          if (!added.some((a) => a.words.join(' ') === concrete.join(' '))) added.push({ ...gs, words: concrete });
        }
        continue;
      }
      added.push({ ...gs, words: w });
    }
  }
  const seen = new Set(rest.map((s) => s.words.join(' ')));
  parsed.statements = [
    ...rest.filter((s) => !(s.words.at(-2) === 'apply-groups')),
    ...added.filter((a) => !seen.has(a.words.join(' '))),
  ];
}

/** Parse Junos configuration text (either form) into statements. */
export function parseJunosStatements(text: string): ParsedJunos {
  const parsed = isSetForm(text) ? parseSet(text) : parseCurly(text);
  applyGroups(parsed);
  return parsed;
}

/** Whether the node at word index `at` of the statement is active. */
export function activeAt(s: Statement, at: number): boolean {
  return s.inactiveAt === undefined || s.inactiveAt > at;
}
