import { SCHEDULES, STATE_MACHINES } from '../../lib/topology';
import { resourcesOfType, synthTemplate, topologyResources } from './template';

describe('flow schedules', () => {
  const { json } = synthTemplate();

  it('month-end close runs on the 1st at 03:00 UTC for the previous month, on the Standard close flow', () => {
    const schedule = topologyResources(json, 'SCHEDULES').monthEndClose;
    const machine = topologyResources(json, 'STATE_MACHINES').monthEndClose;
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: SCHEDULES.monthEndClose.expression,
      Target: {
        Arn: { Ref: machine.logicalId },
        Input: JSON.stringify(SCHEDULES.monthEndClose.input),
        RetryPolicy: expect.objectContaining({ MaximumRetryAttempts: 3 }),
      },
      KmsKeyArn: expect.anything(),
    });
    expect(machine.Properties?.StateMachineType).toBe(STATE_MACHINES.monthEndClose.type);
  });

  it('the scheduler role may start only that state machine', () => {
    const schedule = topologyResources(json, 'SCHEDULES').monthEndClose;
    const roleRef = (schedule.Properties?.Target as { RoleArn: { 'Fn::GetAtt': string[] } }).RoleArn[
      'Fn::GetAtt'
    ][0];
    const statements = Object.values(resourcesOfType(json, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties?.Roles).includes(roleRef))
      .flatMap(
        (p) =>
          (p.Properties?.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
      );
    const start = statements.filter((s) => JSON.stringify(s.Action).includes('states:StartExecution'));
    expect(start).toHaveLength(1);
    expect(JSON.stringify(start[0].Resource)).toContain(
      topologyResources(json, 'STATE_MACHINES').monthEndClose.logicalId,
    );
  });
});
