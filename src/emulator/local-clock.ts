// The legacy host's local wall clock (DateTime.Now / DateTime.Today on a Windows server, CONTRACT §6.8)
// in a configurable IANA time zone, with .NET's 100-ns resolution. No I/O besides reading the clock.

export interface LocalDateTime {
  /** yyyy-MM-dd */
  readonly date: string;
  /** HH:mm:ss.fffffff (always 7 fraction digits, as a TimeOnly in memory) */
  readonly time: string;
}

export interface LocalClock {
  /** DateTime.Now split into DateOnly and TimeOnly parts. */
  now(): LocalDateTime;
  /** DateTime.Today as yyyy-MM-dd. */
  today(): string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Local wall-clock fields of a UTC instant (whole seconds) in a zone. */
function wallClock(utcMs: number, timeZone: string): { date: string; hms: string } {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(utcMs))) parts[p.type] = p.value;
  const year = (parts.year ?? '').padStart(4, '0');
  return {
    date: `${year}-${parts.month}-${parts.day}`,
    hms: `${parts.hour}:${parts.minute}:${parts.second}`,
  };
}

/**
 * Local date and time of the instants `nowUnixTicks` reads (100-ns ticks since the Unix epoch, e.g.
 * createUtcClock() of core/stj-datetime), so successive readings carry 100-ns fractions like
 * DateTime.Now on Windows.
 */
export function createLocalClock(timeZone: string, nowUnixTicks: () => bigint): LocalClock {
  const read = (): LocalDateTime => {
    const ticks = nowUnixTicks();
    const ms = Number(ticks / 10_000n);
    const wall = wallClock(ms - (ms % 1000), timeZone);
    const fraction = (ticks % 10_000_000n).toString().padStart(7, '0');
    return { date: wall.date, time: `${wall.hms}.${fraction}` };
  };
  return { now: read, today: () => read().date };
}

/** PostgreSQL `time` keeps microseconds; Npgsql writes TimeOnly.Ticks / 10 (truncating). */
export function toPgTime(time: string): string {
  return time.length > 15 ? time.slice(0, 15) : time;
}
