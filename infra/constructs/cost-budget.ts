import { Stack, Token } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import { Construct } from 'constructs';
import { validateInteger } from './validation.js';

export interface CostBudgetProps {
  /** Monthly limit in US dollars. */
  readonly limitUsd: number;
  /** The cost-allocation tag whose resources count against the budget. */
  readonly tag: { readonly key: string; readonly value: string };
  /**
   * Where the alerts go.
   * @default - no alerts: the budget only shows in the Billing console
   */
  readonly email?: string;
  /**
   * Alert when the actual spend of the month passes this share of the limit.
   * @default 80
   */
  readonly actualThresholdPercent?: number;
  /**
   * Alert when the spend forecast for the month passes this share of the limit.
   * @default 100
   */
  readonly forecastThresholdPercent?: number;
  /**
   * Name of the budget (unique in the account).
   * @default - `${stackName}-monthly`
   */
  readonly budgetName?: string;
}

/**
 * A monthly AWS Budget over everything carrying the stack's cost-allocation tag, with e-mail alerts on the
 * actual spend and on the forecast. A budget without actions costs nothing.
 *
 * The tag filter only matches once the tag is activated under Billing → Cost allocation tags (the tag is on
 * every resource from the first deploy, but Billing ignores it until then, and then only from that day on).
 */
export class CostBudget extends Construct {
  public readonly budget: budgets.CfnBudget;

  constructor(scope: Construct, id: string, props: CostBudgetProps) {
    super(scope, id);
    const actual = props.actualThresholdPercent ?? 80;
    const forecast = props.forecastThresholdPercent ?? 100;
    if (!Token.isUnresolved(props.limitUsd) && !(props.limitUsd > 0)) {
      throw new Error(`limitUsd must be more than 0, but ${props.limitUsd} was provided`);
    }
    validateInteger('actualThresholdPercent', actual, 1, 1000);
    validateInteger('forecastThresholdPercent', forecast, 1, 1000);

    const alert = (email: string, notificationType: 'ACTUAL' | 'FORECASTED', threshold: number) => ({
      notification: {
        notificationType,
        comparisonOperator: 'GREATER_THAN',
        threshold,
        thresholdType: 'PERCENTAGE',
      },
      subscribers: [{ subscriptionType: 'EMAIL', address: email }],
    });
    this.budget = new budgets.CfnBudget(this, 'Budget', {
      budget: {
        budgetName: props.budgetName ?? `${Stack.of(this).stackName}-monthly`,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.limitUsd, unit: 'USD' },
        // Budgets' format for user-defined cost-allocation tags: "user:<key>$<value>".
        costFilters: { TagKeyValue: [`user:${props.tag.key}$${props.tag.value}`] },
      },
      notificationsWithSubscribers:
        props.email === undefined
          ? undefined
          : [alert(props.email, 'ACTUAL', actual), alert(props.email, 'FORECASTED', forecast)],
    });
  }
}
