#!/usr/bin/env node
/**
 * CDK app entry (`cdk synth`, `cdk deploy`). Optional context: `-c alarmEmail=ops@example.com`.
 * cdk-nag AwsSolutions runs on every synth; an unacknowledged finding fails it.
 */
import { buildApp } from '../lib/app';

buildApp().app.synth();
