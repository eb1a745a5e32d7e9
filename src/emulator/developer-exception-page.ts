// The two unhandled exceptions the legacy can raise outside its controllers (CONTRACT §1.3, §2.11,
// Q2, Q3) and the Development-only DeveloperExceptionPage rendering of them: a text/plain dump
// (Exception.ToString(), blank line, request headers) or, for browsers, an HTML page. Pure.
import type { LegacyException } from './outcome.js';

const CRLF = '\r\n'; // The legacy runs on Windows: StringBuilder.AppendLine writes CRLF.

const PIPELINE_TAIL = [
  '   at Microsoft.AspNetCore.Builder.UseMiddlewareExtensions.<>c__DisplayClass6_1.<<UseMiddlewareInterface>b__1>d.MoveNext()',
  '--- End of stack trace from previous location ---',
  '   at Microsoft.AspNetCore.Authorization.AuthorizationMiddleware.Invoke(HttpContext context)',
  '   at Microsoft.AspNetCore.Authentication.AuthenticationMiddleware.Invoke(HttpContext context)',
  '   at Microsoft.AspNetCore.Diagnostics.DeveloperExceptionPageMiddlewareImpl.Invoke(HttpContext context)',
];

/** TenantService.SetCurrentTenant, reached for any non-empty X-Tenant-Id (Q2). */
export const TENANT_NOT_IMPLEMENTED: LegacyException = {
  type: 'System.NotImplementedException',
  message: 'The method or operation is not implemented.',
  stackTrace: [
    '   at ArzTi3Server.Services.TenantService.SetCurrentTenant(String tenantId)',
    '   at ArzTi3Server.Middleware.TenantConnectionMiddleware.InvokeAsync(HttpContext context, RequestDelegate next)',
    ...PIPELINE_TAIL,
  ],
};

/** Activation of SystemResourceHealthCheck, whose dependency is never registered (Q3). */
export const HEALTH_CHECK_ACTIVATION: LegacyException = {
  type: 'System.InvalidOperationException',
  message:
    "Unable to resolve service for type 'ArzTi3Server.Health.SystemMonitoringService' while attempting to " +
    "activate 'ArzTi3Server.Health.SystemResourceHealthCheck'.",
  stackTrace: [
    '   at Microsoft.Extensions.DependencyInjection.ActivatorUtilities.ThrowHelperUnableToResolveService(Type type, Type requiredBy)',
    '   at lambda_method1(Closure, IServiceProvider, Object[])',
    '   at Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService.RunCheckAsync(HealthCheckRegistration registration, CancellationToken cancellationToken)',
    '   at Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService.CheckHealthAsync(Func`2 predicate, CancellationToken cancellationToken)',
    '   at Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckMiddleware.InvokeAsync(HttpContext httpContext)',
    '   at ArzTi3Server.Middleware.TenantConnectionMiddleware.InvokeAsync(HttpContext context, RequestDelegate next)',
    ...PIPELINE_TAIL,
  ],
};

export interface RenderedPage {
  readonly contentType: string;
  readonly body: string;
}

/**
 * @param rawHeaders the request headers as received (name/value pairs, original casing)
 */
export function renderDeveloperExceptionPage(
  error: LegacyException,
  accept: string | undefined,
  rawHeaders: readonly string[],
): RenderedPage {
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const key = [...headers.keys()].find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
    headers.set(key, [...(headers.get(key) ?? []), rawHeaders[i + 1] as string]);
  }
  if (accept?.toLowerCase().includes('text/html')) return renderHtml(error, headers);
  let text = [`${error.type}: ${error.message}`, ...error.stackTrace].join(CRLF) + CRLF;
  text += CRLF + 'HEADERS' + CRLF + '=======' + CRLF;
  for (const [name, values] of headers) text += `${name}: ${values.join(',')}${CRLF}`;
  return { contentType: 'text/plain; charset=utf-8', body: text };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`);
}

function renderHtml(error: LegacyException, headers: Map<string, string[]>): RenderedPage {
  const shortType = error.type.slice(error.type.lastIndexOf('.') + 1);
  const frames = error.stackTrace.map((line) => `<li>${escapeHtml(line.trim())}</li>`).join('');
  const rows = [...headers]
    .map(([n, v]) => `<tr><td>${escapeHtml(n)}</td><td>${escapeHtml(v.join(','))}</td></tr>`)
    .join('');
  const body =
    '<!DOCTYPE html>\r\n<html lang="en" xmlns="http://www.w3.org/1999/xhtml">\r\n<head>\r\n' +
    '<meta charset="utf-8" />\r\n<title>Internal Server Error</title>\r\n</head>\r\n<body>\r\n' +
    '<h1>An unhandled exception occurred while processing the request.</h1>\r\n' +
    `<div class="titleerror">${escapeHtml(shortType)}: ${escapeHtml(error.message)}</div>\r\n` +
    `<ul class="rawExceptionStackTrace">${frames}</ul>\r\n` +
    `<h2>Headers</h2>\r\n<table><thead><tr><th>Variable</th><th>Value</th></tr></thead><tbody>${rows}</tbody></table>\r\n` +
    '</body>\r\n</html>';
  return { contentType: 'text/html; charset=utf-8', body };
}
