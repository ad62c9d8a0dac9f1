import { describe, expect, it } from 'vitest';
import { decide, evaluate, type Policy, wildcardMatch } from '../support/iam-evaluator.js';

// The evaluator the policy tests rely on, held to IAM's documented semantics on small cases.

const allow = (statement: Record<string, unknown>): Policy =>
  ({ Statement: [{ Effect: 'Allow', ...statement }] }) as unknown as Policy;

describe('the IAM evaluator', () => {
  it('matches actions case-insensitively and resources case-sensitively, with * and ?', () => {
    expect(wildcardMatch('s3:Get*', 's3:getobject', true)).toBe(true);
    expect(wildcardMatch('arn:aws:s3:::Bucket/*', 'arn:aws:s3:::bucket/x')).toBe(false);
    expect(wildcardMatch('arn:aws:s3:::b?cket', 'arn:aws:s3:::bucket')).toBe(true);
    expect(wildcardMatch('a.b', 'axb')).toBe(false);
  });

  it('denies by default, allows on a match, and lets an explicit deny win', () => {
    const policies = [
      allow({ Action: 's3:*', Resource: '*' }),
      { Statement: { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: 'arn:aws:s3:::keep' } } as Policy,
    ];
    expect(decide(policies, { action: 's3:GetObject', resource: 'arn:aws:s3:::keep/x' })).toBe('allowed');
    expect(decide(policies, { action: 's3:DeleteBucket', resource: 'arn:aws:s3:::keep' })).toBe(
      'explicit deny',
    );
    expect(decide(policies, { action: 'ec2:RunInstances', resource: '*' })).toBe('implicit deny');
  });

  it('reads NotAction and NotResource as everything but', () => {
    const policy = allow({ NotAction: 'iam:*', NotResource: 'arn:aws:s3:::secret' });
    expect(decide([policy], { action: 's3:GetObject', resource: 'arn:aws:s3:::public' })).toBe('allowed');
    expect(decide([policy], { action: 'iam:CreateUser', resource: 'arn:aws:s3:::public' })).toBe(
      'implicit deny',
    );
    expect(decide([policy], { action: 's3:GetObject', resource: 'arn:aws:s3:::secret' })).toBe(
      'implicit deny',
    );
  });

  it('holds a missing key against positive operators and for negated ones, and IfExists passes it', () => {
    const like = allow({
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringLike: { 'kms:ViaService': 'ssm.*' } },
    });
    expect(decide([like], { action: 'kms:Decrypt', resource: 'k' })).toBe('implicit deny');
    expect(
      decide([like], { action: 'kms:Decrypt', resource: 'k', context: { 'kms:ViaService': 'ssm.eu' } }),
    ).toBe('allowed');
    const notLike = {
      Statement: {
        Effect: 'Deny',
        Action: 'iam:CreateRole',
        Resource: '*',
        Condition: { ArnNotLike: { 'iam:PermissionsBoundary': 'arn:aws:iam::*:policy/b' } },
      },
    } as Policy;
    expect(decide([notLike], { action: 'iam:CreateRole', resource: 'r' })).toBe('explicit deny');
    expect(
      decide([notLike], {
        action: 'iam:CreateRole',
        resource: 'r',
        context: { 'iam:PermissionsBoundary': 'arn:aws:iam::1:policy/b' },
      }),
    ).toBe('implicit deny');
    const ifExists = allow({
      Action: 'a:b',
      Resource: '*',
      Condition: { StringEqualsIfExists: { 'aws:RequestTag/x': 'y' } },
    });
    expect(decide([ifExists], { action: 'a:b', resource: 'r' })).toBe('allowed');
    expect(decide([ifExists], { action: 'a:b', resource: 'r', context: { 'aws:RequestTag/x': 'z' } })).toBe(
      'implicit deny',
    );
  });

  it('ORs the values of one key, ANDs the keys, and compares ARNs part by part', () => {
    const policy = allow({
      Action: 'iam:AttachRolePolicy',
      Resource: '*',
      Condition: {
        ArnLike: {
          'iam:PolicyARN': ['arn:*:iam::aws:policy/A', 'arn:*:iam::aws:policy/B'],
          'iam:PermissionsBoundary': 'arn:*:iam::*:policy/boundary',
        },
      },
    });
    const both = {
      'iam:PolicyARN': 'arn:aws:iam::aws:policy/B',
      'iam:PermissionsBoundary': 'arn:aws:iam::1:policy/boundary',
    };
    expect(decide([policy], { action: 'iam:AttachRolePolicy', resource: 'r', context: both })).toBe(
      'allowed',
    );
    const wrongPolicy = { ...both, 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' };
    expect(decide([policy], { action: 'iam:AttachRolePolicy', resource: 'r', context: wrongPolicy })).toBe(
      'implicit deny',
    );
    // A * in an ARN part never spans a colon
    const arn = allow({
      Action: 'x:y',
      Resource: '*',
      Condition: { ArnLike: { k: 'arn:aws:iam::*:role/r' } },
    });
    expect(decide([arn], { action: 'x:y', resource: 'r', context: { k: 'arn:aws:iam::1:2:role/r' } })).toBe(
      'implicit deny',
    );
  });

  it('limits a principal to what both its policies and its boundary allow', () => {
    const boundary = allow({ Action: 's3:*', Resource: '*' });
    const wide = allow({ Action: '*', Resource: '*' });
    expect(evaluate({ policies: [wide], boundary }, { action: 's3:GetObject', resource: 'o' })).toBe(
      'allowed',
    );
    expect(evaluate({ policies: [wide], boundary }, { action: 'iam:CreateUser', resource: 'u' })).toBe(
      'implicit deny',
    );
    expect(evaluate({ policies: [], boundary }, { action: 's3:GetObject', resource: 'o' })).toBe(
      'implicit deny',
    );
  });

  it('refuses to judge what it does not know, instead of judging it wrongly', () => {
    const unknown = allow({
      Action: 'a:b',
      Resource: '*',
      Condition: { DateGreaterThan: { 'aws:CurrentTime': 'x' } },
    });
    expect(() => decide([unknown], { action: 'a:b', resource: 'r' })).toThrow(
      /DateGreaterThan is not supported/,
    );
    const variable = allow({ Action: 'a:b', Resource: `arn:aws:s3:::\${aws:username}/*` });
    expect(() => decide([variable], { action: 'a:b', resource: 'arn:aws:s3:::me/x' })).toThrow(
      /policy variables/,
    );
  });
});
