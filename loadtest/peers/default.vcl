# Varnish in front of the legacy, configured as an operator would for this API (loadtest/peers/README.md,
# shared/research/peers.md §1). Rendered by loadtest/lib/peer-config.ts; run as
# `varnishd -F -a 127.0.0.1:<port> -f <vcl> -n <tmpdir> -s malloc,256m`.
#   * the built-in vcl_recv passes every request carrying Authorization (all of this API's requests):
#     GET /v2/rezept… is looked up instead, and vcl_hash adds the Authorization header to the key so one
#     user's answer is never served to another;
#   * 5 s TTL (Varnish cannot see database writes) and the default 10 s grace: an expired object is
#     served while one background fetch refreshes it (requests for a missing object are coalesced on
#     the waiting list);
#   * everything else (PATCH statusuuid/status, health, Apotheken) is passed.
vcl 4.1;

backend legacy {
  .host = "127.0.0.1";
  .port = "{{UPSTREAM_PORT}}";
  .first_byte_timeout = 120s;
  .between_bytes_timeout = 120s;
}

sub vcl_recv {
  if (req.url == "/__peer/health") {
    return (synth(200, "ok"));
  }
  if (req.method == "GET" && req.url ~ "(?i)^/v2(\.0)?/rezept") {
    return (hash);
  }
  return (pass);
}

sub vcl_hash {
  hash_data(req.url);
  if (req.http.host) {
    hash_data(req.http.host);
  }
  hash_data(req.http.Authorization);
  return (lookup);
}

sub vcl_backend_response {
  if (bereq.method == "GET" && beresp.status == 200) {
    set beresp.ttl = 5s;
    set beresp.grace = 10s;
    return (deliver);
  }
  # Errors and anything else: not cached (a short hit-for-miss, so waiters are not serialised).
  set beresp.ttl = 1s;
  set beresp.uncacheable = true;
  return (deliver);
}

sub vcl_deliver {
  if (obj.uncacheable) {
    set resp.http.X-Cache-Status = "PASS";
  } else if (obj.hits > 0 && obj.ttl < 0s) {
    set resp.http.X-Cache-Status = "STALE";
  } else if (obj.hits > 0) {
    set resp.http.X-Cache-Status = "HIT";
  } else {
    set resp.http.X-Cache-Status = "MISS";
  }
}
