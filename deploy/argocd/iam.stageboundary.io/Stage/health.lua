-- Argo CD health check for iam.stageboundary.io/Stage.
-- Reads the kstatus conditions the operator writes: Stalled means the manifest needs a fix,
-- Reconciling means work is under way, Ready means every targeted account carries the boundary.
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
elseif obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  if c.Ready ~= nil and c.Ready.reason == "Suspended" then
    hs.message = said(c.Ready)
  else
    hs.message = "spec.suspend is true: the operator reports but makes no AWS writes"
  end
elseif c.Reconciling ~= nil and c.Reconciling.status == "True" and c.Reconciling.reason == "AwaitingApproval" then
  -- spec.rollout.approval Manual: a plan waits for a person, as a paused rollout does
  hs.status = "Suspended"
  hs.message = said(c.Reconciling)
elseif c.Ready ~= nil and c.Ready.status == "True" then
  hs.status = "Healthy"
  hs.message = said(c.Ready)
elseif c.Reconciling ~= nil and c.Reconciling.status == "True" then
  hs.message = said(c.Reconciling)
elseif c.Ready ~= nil then
  -- settled but not Ready: drift under driftRemediation Report, accounts blocked or failed,
  -- accounts claimed by two Stages, bootstrap stacks left alone
  hs.status = "Degraded"
  hs.message = said(c.Ready)
end
return hs
