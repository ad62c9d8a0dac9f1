// Adds toHaveReceivedCommandWith & co. to expect() for aws-sdk-client-mock.
import 'aws-sdk-client-mock-vitest/extend';
