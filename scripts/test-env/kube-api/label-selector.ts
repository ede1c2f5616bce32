/** One requirement of a label selector, normalized to a set operator as apimachinery's labels package does. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: "in" | "notin" | "exists" | "!exists" | "gt" | "lt";
  readonly values: readonly string[];
}

/** A parsed `labelSelector`: every requirement must hold (an empty selector matches everything). */
export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
}

/** A `labelSelector` the API server would reject (answered with 400 BadRequest). */
export class LabelSelectorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LabelSelectorError";
  }
}

// A label key is an optional DNS-subdomain prefix and "/" and a name of at most 63 characters.
const KEY = /^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const OPERATORS = ["!=", "==", "=", "!", "(", ")", ",", ">", "<"] as const;

type Token = { kind: "op"; text: string } | { kind: "id"; text: string } | { kind: "end"; text: "" };

/** Splits a selector into identifiers and operators, like the lexer in apimachinery's labels/selector.go. */
function tokenize(selector: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < selector.length) {
    const ch = selector[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => selector.startsWith(o, i));
    if (op) {
      tokens.push({ kind: "op", text: op });
      i += op.length;
      continue;
    }
    let end = i;
    while (end < selector.length && !/[\s!=(),<>]/.test(selector[end] as string)) end++;
    tokens.push({ kind: "id", text: selector.slice(i, end) });
    i = end;
  }
  tokens.push({ kind: "end", text: "" });
  return tokens;
}

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new LabelSelectorError(`unable to parse requirement: invalid label key "${key}"`);
  return key;
}

function checkValue(value: string): string {
  if (!VALUE.test(value))
    throw new LabelSelectorError(`unable to parse requirement: invalid label value "${value}"`);
  return value;
}

/**
 * Parses a label selector: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`,
 * `a>1`, `a<1`, separated by commas.
 * @throws LabelSelectorError when the API server would reject it
 */
export function parseLabelSelector(selector: string): LabelSelector {
  const tokens = tokenize(selector);
  let pos = 0;
  const peek = (): Token => tokens[pos] as Token;
  const next = (): Token => tokens[pos++] as Token;
  const unexpected = (token: Token, expected: string): LabelSelectorError =>
    new LabelSelectorError(`unable to parse requirement: found '${token.text}', expected: ${expected}`);
  const identifier = (): string => {
    const token = next();
    if (token.kind !== "id") throw unexpected(token, "identifier");
    return token.text;
  };

  const requirements: LabelRequirement[] = [];
  if (peek().kind === "end") return createLabelSelector(requirements);
  for (;;) {
    let token = next();
    if (token.kind === "op" && token.text === "!") {
      requirements.push({ key: checkKey(identifier()), operator: "!exists", values: [] });
    } else {
      if (token.kind !== "id") throw unexpected(token, "!, identifier");
      const key = checkKey(token.text);
      token = peek();
      if (token.kind === "end" || token.text === ",") {
        requirements.push({ key, operator: "exists", values: [] });
      } else {
        next();
        if (token.text === "=" || token.text === "==" || token.text === "!=") {
          // `a=` selects an empty value
          const value = peek().kind === "id" ? next().text : "";
          requirements.push({
            key,
            operator: token.text === "!=" ? "notin" : "in",
            values: [checkValue(value)],
          });
        } else if (token.text === ">" || token.text === "<") {
          const value = identifier();
          if (!/^-?\d+$/.test(value)) {
            throw new LabelSelectorError(
              `unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`,
            );
          }
          requirements.push({ key, operator: token.text === ">" ? "gt" : "lt", values: [value] });
        } else if (token.kind === "id" && (token.text === "in" || token.text === "notin")) {
          const open = next();
          if (open.text !== "(") throw unexpected(open, "(");
          const values: string[] = [];
          for (;;) {
            const value = peek().kind === "id" ? next().text : "";
            values.push(checkValue(value));
            const separator = next();
            if (separator.text === ")") break;
            if (separator.text !== ",") throw unexpected(separator, ", or )");
          }
          requirements.push({ key, operator: token.text, values });
        } else {
          throw unexpected(token, "=, !=, ==, in, notin");
        }
      }
    }
    const separator = next();
    if (separator.kind === "end") break;
    if (separator.text !== ",") throw unexpected(separator, ",");
  }
  return createLabelSelector(requirements);
}

function matchesRequirement(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case "exists":
      return has;
    case "!exists":
      return !has;
    case "in":
      return has && r.values.includes(value as string);
    case "notin":
      // `a!=b` and `a notin (b)` also select objects without the label, as on a real server
      return !has || !r.values.includes(value as string);
    case "gt":
    case "lt": {
      if (!has || !/^-?\d+$/.test(value as string)) return false;
      const n = Number(value);
      const bound = Number(r.values[0]);
      return r.operator === "gt" ? n > bound : n < bound;
    }
  }
}

function createLabelSelector(requirements: readonly LabelRequirement[]): LabelSelector {
  return {
    requirements,
    matches: (labels) => requirements.every((r) => matchesRequirement(r, labels ?? {})),
  };
}
