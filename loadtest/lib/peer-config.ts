// Renders the peer configuration templates (loadtest/peers/nginx.conf, default.vcl): `{{NAME}}`
// placeholders replaced from a map; an unknown or unused placeholder is an error. Pure.

export function renderTemplate(template: string, values: Readonly<Record<string, string | number>>): string {
  const used = new Set<string>();
  const text = template.replace(/\{\{([A-Z_]+)\}\}/g, (_all, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    used.add(name);
    return String(value);
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`values not used by the template: ${unused.join(', ')}`);
  return text;
}
