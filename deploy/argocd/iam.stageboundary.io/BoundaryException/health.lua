-- Argo CD health check for iam.stageboundary.io/BoundaryException, an exception to a stage's
-- boundary. Its status is written by the Stage pass that judges it (status.phase):
--   Active: lifted in every named account (Healthy); Pending: being applied (Progressing);
--   AwaitingApproval: waits in the Manual stage's plan (Suspended, as a Stage waiting for approval);
--   Refused: names something that cannot be lifted, the message says what to change (Degraded);
--   Expired: ended by itself, the whole boundary applies again (Healthy: nothing is wrong; remove
--   it from Git when done).
-- Uses only Lua's base and table libraries, as Argo CD gives user-configured checks.
local hs = {status = "Progressing", message = "Waiting for the operator to report status"}
if obj.status == nil or obj.status.phase == nil then
  return hs
end
local generation = obj.metadata.generation
if generation ~= nil and (obj.status.observedGeneration == nil or obj.status.observedGeneration < generation) then
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end
local phase = obj.status.phase
if obj.status.message ~= nil and obj.status.message ~= "" then
  hs.message = phase .. ": " .. obj.status.message
else
  hs.message = phase
end
if phase == "Active" or phase == "Expired" then
  hs.status = "Healthy"
elseif phase == "Refused" then
  hs.status = "Degraded"
elseif phase == "AwaitingApproval" then
  hs.status = "Suspended"
end
return hs
