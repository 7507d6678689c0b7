-- Argo CD health check for iam.stageboundary.io/AwsOrganization.
-- Healthy once the operator has reached the organisation with the configured credentials.
-- Uses only Lua's base and table libraries, as Argo CD gives user-configured checks.
local hs = {status = "Progressing", message = "Waiting for the operator to report status"}
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
local generation = obj.metadata.generation
if generation ~= nil and (obj.status.observedGeneration == nil or obj.status.observedGeneration < generation) then
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end
local c = {}
for _, condition in ipairs(obj.status.conditions) do
  c[condition.type] = condition
end
local function said(condition)
  if condition.message ~= nil and condition.message ~= "" then
    return condition.reason .. ": " .. condition.message
  end
  return condition.reason
end
if c.Stalled ~= nil and c.Stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = said(c.Stalled)
elseif c.Ready ~= nil and c.Ready.status == "True" then
  hs.status = "Healthy"
  hs.message = said(c.Ready)
elseif c.Reconciling ~= nil and c.Reconciling.status == "True" then
  hs.message = said(c.Reconciling)
elseif c.Ready ~= nil then
  hs.status = "Degraded"
  hs.message = said(c.Ready)
end
return hs
