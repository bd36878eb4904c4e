-- wrk script for `POST /api/v1/orders`: every request a new order with a unique external id
-- and two lines over two different SKUs (spread over the catalogue, or the hot SKU plus one).
-- Arguments after `--`: API_KEY RUN_PREFIX ITEMS HOT(0|1).
-- done() prints one line `WRK_JSON {...}` that bench/intake.py reads.

local threads = {}

function setup(thread)
  thread:set("number", #threads + 1)
  table.insert(threads, thread)
end

local template = '{"external_order_id":"%s-%d-%d","marketplace":"AMAZON",'
  .. '"marketplace_order_id":"402-%d-%d","ordered_at":"2026-11-26T10:15:00+05:30",'
  .. '"payment_mode":"COD","customer":{"name":"Asha Rao","phone":"+919800000000",'
  .. '"email":"asha@example.com"},"shipping_address":{"line1":"12 MG Road","line2":"",'
  .. '"city":"Bengaluru","state_code":"KA","pincode":"560001","country":"IN"},'
  .. '"billing_gstin":null,"lines":['
  .. '{"line_id":"1","sku":"SKU-%d","quantity":1,"unit_price":"499.00","discount":"0.00"},'
  .. '{"line_id":"2","sku":"SKU-%d","quantity":1,"unit_price":"499.00","discount":"0.00"}],'
  .. '"shipping_charge":"0.00","cod_charge":"0.00"}'

function init(args)
  prefix = args[2]
  items = tonumber(args[3])
  hot = args[4] == "1"
  counter = 0
  created = 0
  replayed = 0
  other = 0
  other_sample = ""
  math.randomseed(os.time() * 1000 + number)
  wrk.method = "POST"
  wrk.path = "/api/v1/orders"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[1]
end

function request()
  counter = counter + 1
  local a, b
  if hot then
    a = 1
    b = math.random(2, items)
  else
    a = math.random(1, items)
    b = math.random(1, items - 1)
    if b >= a then b = b + 1 end
  end
  return wrk.format(nil, nil, nil,
    string.format(template, prefix, number, counter, number, counter, a, b))
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status == 200 then
    replayed = replayed + 1
  else
    other = other + 1
    if other_sample == "" then other_sample = status .. " " .. string.sub(body, 1, 200) end
  end
end

function done(summary, latency, requests)
  local c, r, o, sample = 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    c = c + thread:get("created")
    r = r + thread:get("replayed")
    o = o + thread:get("other")
    if sample == "" then sample = thread:get("other_sample") end
  end
  sample = string.gsub(sample, '[%c"\\]', " ")
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,'
    .. '"status_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,'
    .. '"created":%d,"replayed":%d,"other":%d,"other_sample":"%s"}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, c, r, o, sample))
end
