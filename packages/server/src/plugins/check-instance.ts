import type { PluginKind } from '@llm-gateway/spec';

type MemberType = 'function' | 'string' | 'array';

interface Member {
  name: string;
  type: MemberType;
  required: boolean;
}

const required = (name: string, type: MemberType = 'function'): Member => ({ name, type, required: true });
const optional = (name: string, type: MemberType = 'function'): Member => ({ name, type, required: false });

/** The members each kind's instance must (or may) have, as the spec declares them. */
const members: Record<PluginKind, readonly Member[]> = {
  backend: [
    required('name', 'string'),
    required('models'),
    required('chat'),
    required('stream'),
    optional('embed'),
    optional('close'),
    optional('tuning', 'array'),
    optional('nativeWires', 'array'),
    optional('relayWires', 'array'),
  ],
  auth: [
    required('name', 'string'),
    required('authenticate'),
    optional('claimedIdentity'),
    optional('issueToken'),
    optional('verifyToken'),
    optional('reload'),
    optional('close'),
  ],
  sink: [
    required('name', 'string'),
    required('write'),
    required('close'),
    optional('healthy'),
    optional('spooled'),
    optional('usage'),
  ],
  queue: [
    required('name', 'string'),
    required('submit'),
    required('get'),
    required('events'),
    required('work'),
    required('close'),
    optional('stats'),
  ],
  surface: [required('name', 'string'), required('register')],
};

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function describeMember(member: Member): string {
  return member.type === 'function' ? `${member.name}()` : member.name;
}

/**
 * What is wrong with the object a plugin's `create` returned, member by member, or [] when it has the
 * shape of its kind. Catches a plugin built against another contract before it serves a request.
 */
export function instanceProblems(kind: PluginKind, value: unknown): string[] {
  if (typeof value !== 'object' || value === null)
    return [`create() returned ${typeOf(value)}, not ${kind} instance or disabled(...)`];
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const member of members[kind]) {
    const actual = typeOf(record[member.name]);
    if (actual === member.type) continue;
    if (actual === 'undefined') {
      if (member.required) problems.push(`member ${describeMember(member)} is missing`);
      continue;
    }
    problems.push(`member ${describeMember(member)} is ${actual}, not ${member.type}`);
  }
  return problems;
}
