// The server's plausibility rules (backend/readings/rules.py), repeated here so the resident is
// warned while typing, before anything is saved. The server decides; these only warn.

// "123,456" / "123.4" / "1 234" (m³) -> litres, or null when it is not a number.
export function parseM3(text) {
  const cleaned = String(text || '').trim().replace(/[\s\u00a0\u202f]/g, '');
  const m = /^([0-9]{1,9})(?:[.,]([0-9]{1,3}))?$/.exec(cleaned); // ASCII digits, as the server
  if (!m) return null;
  return Number(m[1]) * 1000 + Number((m[2] || '').padEnd(3, '0'));
}

// meter: {digits, last_reading, avg_daily_litres}; limits: {max_daily_litres, high_factor}.
export function assess(litres, capturedAt, meter, limits) {
  const flags = [];
  if (litres >= 10 ** meter.digits * 1000) flags.push('too_many_digits');
  const last = meter.last_reading;
  if (!last) return flags;
  if (litres < last.value_litres) {
    flags.push('lower_than_last');
    return flags;
  }
  const days = Math.max((new Date(capturedAt) - new Date(last.captured_at)) / 86400000, 1);
  const daily = (litres - last.value_litres) / days;
  if (daily > limits.max_daily_litres) flags.push('above_hard_limit');
  else if (meter.avg_daily_litres && daily > limits.high_factor * meter.avg_daily_litres) flags.push('high_consumption');
  return flags;
}

// rules.disagree: two readings {value_litres, captured_at} of one meter disagree when the later is
// lower than the earlier, or higher than the time between them explains (high_factor × the average,
// the hard daily limit without one), each side given 100 l (residents round to 0,1 m³).
export function disagree(a, b, avgDailyLitres, limits) {
  const [first, last] = new Date(a.captured_at) <= new Date(b.captured_at) ? [a, b] : [b, a];
  const days = (new Date(last.captured_at) - new Date(first.captured_at)) / 86400000;
  const used = last.value_litres - first.value_litres;
  const daily = avgDailyLitres ? limits.high_factor * avgDailyLitres : limits.max_daily_litres;
  return used < -100 || used > daily * days + 100;
}
