import { defineContract } from '@portshare/soap';

/** The Net.TCP Port Sharing sample's contract; the WCF test calls Add. */
export const ICalculator = defineContract({
  name: 'ICalculator',
  namespace: 'http://Microsoft.ServiceModel.Samples',
  operations: {
    Add: { params: [['n1', 'double'], ['n2', 'double']], returns: 'double' },
  },
});
