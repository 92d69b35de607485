#!/usr/bin/env bash
# Both daemons answer over TLS with HTTP/2 and HTTP/1.1, apid also over h2c with prior knowledge:
# health, the API index with the store's name from the database, JSON 404s.
source "$(dirname "$0")/lib.sh"
CA=(--cacert "$CARTMAN_TLS_CERT")
store_name=$(sql "$CARTMAN_DB_NAME" "SELECT option_value FROM ${CARTMAN_DB_PREFIX}options WHERE option_name='blogname'")

for d in "$AUTHD_URL" "$APID_URL"; do
    out=$(curl -sS "${CA[@]}" --http2 -w '\n%{http_version} %{http_code} %{content_type}' "$d/healthz")
    is "$(head -1 <<<"$out")" '{"status":"ok","db":"ok"}' "$d/healthz body"
    is "$(tail -1 <<<"$out")" "2 200 application/json; charset=UTF-8" "$d/healthz over HTTP/2"
    out=$(curl -sS "${CA[@]}" --http1.1 -w '\n%{http_version} %{http_code}' "$d/healthz")
    is "$(tail -1 <<<"$out")" "1.1 200" "$d/healthz over HTTP/1.1"
    out=$(curl -sS "${CA[@]}" --http2 -w '\n%{http_code}' "$d/no/such/route")
    is "$(tail -1 <<<"$out")" "404" "$d unknown route is 404"
    like "$(head -1 <<<"$out")" '"code":"rest_no_route"' "$d 404 is a WordPress-style JSON error"
done

for prefix in /cartman/v1/ /wp-json/cartman/v1/ /cartman/v1; do
    out=$(curl -sS "${CA[@]}" --http2 -w '\n%{http_version} %{http_code}' "$APID_URL$prefix")
    is "$(tail -1 <<<"$out")" "2 200" "GET $prefix over HTTP/2"
    body=$(head -1 <<<"$out")
    name=$(php -r '$j = json_decode(stream_get_contents(STDIN), true); echo $j["name"] ?? "";' <<<"$body")
    is "$name" "$store_name" "GET $prefix names the store from the database"
    issuer=$(php -r '$j = json_decode(stream_get_contents(STDIN), true); echo $j["authentication"]["oauth2"]["issuer"] ?? "";' <<<"$body")
    is "$issuer" "$AUTHD_URL" "GET $prefix names authd as the issuer"
done

# a name with characters that need JSON escaping goes through intact
sql "$CARTMAN_DB_NAME" "UPDATE ${CARTMAN_DB_PREFIX}options SET option_value='Shop \"Ünïcode\" <&> \\\\ test' WHERE option_name='blogname'"
body=$(curl -sS "${CA[@]}" --http2 "$APID_URL/cartman/v1/")
name=$(php -r '$j = json_decode(stream_get_contents(STDIN), true); echo $j["name"] ?? "";' <<<"$body")
is "$name" 'Shop "Ünïcode" <&> \ test' "store names with quotes, markup and UTF-8 are escaped correctly"
sql "$CARTMAN_DB_NAME" "UPDATE ${CARTMAN_DB_PREFIX}options SET option_value='$store_name' WHERE option_name='blogname'"

out=$(curl -sS --http2-prior-knowledge -w '\n%{http_version} %{http_code}' "$APID_H2C_URL/cartman/v1/")
is "$(tail -1 <<<"$out")" "2 200" "apid answers h2c with prior knowledge on the cleartext listener"
out=$(curl -sS --http1.1 -w '\n%{http_version} %{http_code}' "$APID_H2C_URL/healthz")
is "$(tail -1 <<<"$out")" "1.1 200" "apid answers HTTP/1.1 on the cleartext listener"

out=$(curl -sS "${CA[@]}" --http2 -X DELETE -w '\n%{http_code}' "$APID_URL/cartman/v1/")
is "$(tail -1 <<<"$out")" "405" "a known path with the wrong method is 405"

# bounded requests: headers over 16 KiB, a body where the route takes none, an over-long URI
big=$(head -c 20000 /dev/zero | tr '\0' a)
for v in --http2 --http1.1; do
    code=$(curl -sS "${CA[@]}" $v -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$APID_URL/cartman/v1/")
    is "$code" "431" "request headers over the cap are refused ($v)"
    out=$(curl -sS "${CA[@]}" $v -w '\n%{http_code}' -X GET --data-binary 'x=1' "$APID_URL/cartman/v1/")
    is "$(tail -1 <<<"$out")" "413" "a body on a route that takes none is refused ($v)"
    like "$(head -1 <<<"$out")" '"code":"cartman_body_too_large"' "413 is a JSON error ($v)"
done
code=$(curl -sS "${CA[@]}" --http2 -o /dev/null -w '%{http_code}' "$APID_URL/cartman/v1/?q=$(head -c 3000 /dev/zero | tr '\0' b)")
is "$code" "414" "an over-long URI is refused"
code=$(curl -sS "${CA[@]}" --http2 -o /dev/null -w '%{http_code}' --path-as-is "$APID_URL/cartman/v1/../healthz")
is "$code" "400" "a path with a .. segment is refused"
code=$(curl -sS "${CA[@]}" --http2 -o /dev/null -w '%{http_code}' -I "$APID_URL/healthz")
is "$code" "200" "HEAD is answered by the GET route"

# the access log has one line per request and never the query string
curl -sS "${CA[@]}" --http2 -o /dev/null "$APID_URL/cartman/v1/?secret_token=s3cr3t-value"
sleep 0.2
grep -q 's3cr3t-value' "$CARTMAN_TEST_DIR/apid.log"; st=$?
is "$st" "1" "the query string never reaches the log"
like "$(grep ' access GET /cartman/v1/ 200 ' "$CARTMAN_TEST_DIR/apid.log" | tail -1)" \
    'access GET /cartman/v1/ 200 [0-9]+B [0-9]+us HTTP/2 127\.0\.0\.1' "access line: method, path, status, bytes, µs, version, client"

nghttp=$(h2load -n 200 -c 4 -m 4 "$APID_URL/cartman/v1/" 2>&1 | grep -E '^requests:')
like "$nghttp" "200 succeeded, 0 failed" "200 HTTP/2 requests over 4 connections all succeed"
done_testing
