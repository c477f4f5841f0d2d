-- Pktgen-DSRLB profile: 64-byte TCP frames to one VIP from many distinct
-- flows, at full rate, on port 0; after a warm-up, counts what the port
-- sent and received over DSRLB_SECONDS and prints both in Mpps, then quits.
-- Flows: source addresses 10.0.0.1.. (A of them) times source ports
-- 1024.. (A + 1 of them, coprime with A so the pair covers A x (A + 1)
-- distinct tuples): DSRLB_FLOWS=10 gives 10 (A = 10, one port), 10000 gives
-- 10100, 1000000 gives 1001000.
-- Environment: DSRLB_FLOWS (10), DSRLB_SECONDS (10), DSRLB_VIP
-- (192.168.4.15), DSRLB_VIP_PORT (80), DSRLB_DST_MAC (the dsrlb port's MAC,
-- 02:00:00:00:00:aa), DSRLB_PORT (0).
package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"

local flows = tonumber(os.getenv("DSRLB_FLOWS") or "10")
local seconds = tonumber(os.getenv("DSRLB_SECONDS") or "10")
local vip = os.getenv("DSRLB_VIP") or "192.168.4.15"
local vport = tonumber(os.getenv("DSRLB_VIP_PORT") or "80")
local dmac = os.getenv("DSRLB_DST_MAC") or "02:00:00:00:00:aa"
local port = os.getenv("DSRLB_PORT") or "0"

local addrs, ports
if flows <= 10 then
  addrs, ports = flows, 1
else
  addrs = math.floor(math.sqrt(flows))
  ports = addrs + 1
end

local function ipv4(n)  -- 10.0.0.0 + n
  return string.format("10.%d.%d.%d", (n >> 16) & 255, (n >> 8) & 255, n & 255)
end

local function range(field, start, inc, min, max)
  field(port, "start", start)
  field(port, "inc", inc)
  field(port, "min", min)
  field(port, "max", max)
end

pktgen.set(port, "size", 64)
pktgen.set(port, "rate", 100)
pktgen.range.dst_mac(port, "start", dmac)
range(pktgen.range.src_ip, ipv4(1), "0.0.0.1", ipv4(1), ipv4(addrs))
range(pktgen.range.dst_ip, vip, "0.0.0.0", vip, vip)
pktgen.range.ip_proto(port, "tcp")
range(pktgen.range.src_port, 1024, 1, 1024, 1024 + ports - 1)
range(pktgen.range.dst_port, vport, 0, vport, vport)
range(pktgen.range.pkt_size, 64, 0, 64, 64)
pktgen.set_range(port, "on")

pktgen.clr()
pktgen.start(port)
pktgen.delay(3000)  -- warm-up: dsrlb fills its flow table
local function totals()
  local s = pktgen.portStats(port, "port")[tonumber(port)]
  return s.opackets, s.ipackets
end
local tx0, rx0 = totals()
pktgen.delay(seconds * 1000)
local tx1, rx1 = totals()
pktgen.stop(port)
local line = string.format(
  "dsrlb-pktgen: flows %d (%d addresses x %d ports) sent %.2f Mpps received %.2f Mpps over %d s\n",
  addrs * ports, addrs, ports, (tx1 - tx0) / seconds / 1e6,
  (rx1 - rx0) / seconds / 1e6, seconds)
io.stderr:write(line)
local out = os.getenv("DSRLB_RESULT")
if out then
  local f = io.open(out, "a")
  f:write(line)
  f:close()
end
pktgen.quit()
