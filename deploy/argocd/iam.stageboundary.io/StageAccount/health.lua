-- Argo CD health check for iam.stageboundary.io/StageAccount, the per-account status the operator
-- keeps for each Stage. Healthy when the boundary policy is current and the CDK bootstrap stacks
-- carry it (or are deliberately left alone); Suspended when the account is closed or closing;
-- Degraded when it is blocked (status.blocked) or failed.
-- StageAccounts have no spec to observe; their state fields say everything.
-- Uses only Lua's base and table libraries, as Argo CD gives user-configured checks.
local hs = {status = "Progressing", message = "Waiting for the operator to report status"}
if obj.status == nil or obj.status.boundary == nil or obj.status.boundary.state == nil then
  return hs
end
local b = obj.status.boundary
local function said(what, state, message)
  if message ~= nil and message ~= "" then
    return what .. " " .. state .. ": " .. message
  end
  return what .. " " .. state
end
local function firstRegion(wanted)
  if obj.status.bootstrap ~= nil then
    for _, r in ipairs(obj.status.bootstrap) do
      if r.state == wanted then
        return r
      end
    end
  end
  return nil
end
if b.state == "SUSPENDED" then
  -- a closed or closing account: StackSets skip it and so does the operator; nothing to converge
  hs.status = "Suspended"
  hs.message = said("boundary", b.state, b.message)
  return hs
end
if obj.status.blocked ~= nil and obj.status.blocked.reason ~= nil then
  -- left alone until a cause outside the stage is fixed (a taken policy name, a missing member
  -- role, a failed deployment); retried by itself with a backoff
  hs.status = "Degraded"
  hs.message = said("blocked", obj.status.blocked.reason, obj.status.blocked.message)
  return hs
end
if b.state == "FAILED" or b.state == "CONFLICT" or b.state == "DRIFTED" or (b.driftReason ~= nil and b.state ~= "CURRENT") then
  hs.status = "Degraded"
  hs.message = said("boundary", b.state, b.message)
  return hs
end
if b.state ~= "CURRENT" then
  hs.message = said("boundary", b.state, b.message)
  return hs
end
local bs = obj.status.bootstrapState
local function bootstrap(status)
  local r = firstRegion(bs)
  hs.status = status
  if r ~= nil then
    hs.message = said("bootstrap in " .. r.region, bs, r.message)
  else
    hs.message = "bootstrap " .. bs
  end
  return hs
end
if bs == "FAILED" or bs == "FOREIGN" or bs == "DRIFTED" or bs == "CONFLICT" then
  return bootstrap("Degraded")
end
if bs == "PENDING" or bs == "UPDATING" then
  return bootstrap("Progressing")
end
hs.status = "Healthy"
if bs == "NOT_BOOTSTRAPPED" then
  hs.message = "boundary CURRENT; no CDK bootstrap stack (left alone: createIfMissing is off)"
elseif bs == "CURRENT" then
  hs.message = "boundary CURRENT; CDK bootstrap stacks carry it"
else
  hs.message = "boundary CURRENT"
end
return hs
