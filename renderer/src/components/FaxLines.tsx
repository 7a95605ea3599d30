// Settings → Fax lines: a name for each number the office receives on ("Front desk",
// "Billing", "Lab"). The sidebar then lists each line as a view of the Inbox with its own
// unread count, so a department sees its own faxes.
import { useEffect, useState } from 'react';
import type { OrgSummary } from '../../../shared/domain/types.ts';
import { displayNumber } from '../phone.ts';

export function FaxLinesCard({ orgs, names, onCommit }: { orgs: OrgSummary[]; names: Record<string, string>; onCommit: (names: Record<string, string>) => void }) {
  const numbers = orgs.flatMap((o) => o.faxNumbers.map((n) => ({ number: n, org: o.name })));
  if (numbers.length === 0) return null;
  return (
    <section className="card" aria-label="Fax lines">
      <h2>Fax lines</h2>
      <p className="hint">
        Give each number you receive on a name (a department: Front desk, Billing, Lab). With two numbers or more, the sidebar shows each one
        as a view of the Inbox with its own unread count.
      </p>
      {numbers.map(({ number, org }) => (
        <LineName key={number} number={number} org={org} value={names[number] ?? ''} onCommit={(name) => onCommit({ ...names, [number]: name })} />
      ))}
    </section>
  );
}

function LineName({ number, org, value, onCommit }: { number: string; org: string; value: string; onCommit: (name: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const commit = () => text.trim() !== value && onCommit(text.trim());
  return (
    <label>
      <span>
        {displayNumber(number)} <span className="muted">· {org}</span>
      </span>
      <input
        value={text}
        maxLength={40}
        placeholder="For example: Front desk"
        aria-label={`Name of the line ${displayNumber(number)}`}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
    </label>
  );
}
