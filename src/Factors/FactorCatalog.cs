namespace Sig.Factors;

/// <summary>
/// The 27 high-frequency factors of docs/factors.md in their fixed order (the column order of every
/// export and payload) with the direction the research report found (metadata only).
/// </summary>
public static class FactorCatalog
{
    public const int Count = 27;

    public const int LateSkewRet = 0, DownVolPerc = 1, CorrRetLastret = 2, CorrCloseNextopen = 3,
        VolumePerc2 = 4, VolumePerc7 = 9, CorrVolumeItem = 10, EarlyCorrVolumeRet = 11, BigorderRet = 12,
        DownSingleAmtPerc = 13, CorrVolumeAmplitude = 14, BigorderAmtPerc = 15, EarlyBigorderBuyPerc = 16,
        BigorderRet2 = 17, EarlyActiveBigorderRet = 18, ConcentrationDiff = 19, EarlyActiveBuyPerc = 20,
        CorrNetactivebuyLastret = 21, CorrNetactivebuyNextret = 22, SkewOrderDiff = 23, KurtOrderDiff = 24,
        EarlyKurtOrder = 25, CorrBuyorderVolumePrice = 26;

    public static readonly string[] Names =
    [
        "late_skew_ret", "down_vol_perc", "corr_ret_lastret", "corr_close_nextopen",
        "volume_perc2", "volume_perc3", "volume_perc4", "volume_perc5", "volume_perc6", "volume_perc7",
        "corr_volume_item", "early_corr_volume_ret", "bigorder_ret", "down_single_amt_perc", "corr_volume_amplitude",
        "bigorder_amt_perc", "early_bigorder_buy_perc", "bigorder_ret2", "early_active_bigorder_ret",
        "concentration_diff", "early_active_buy_perc", "corr_netactivebuy_lastret", "corr_netactivebuy_nextret",
        "skew_order_diff", "kurt_order_diff", "early_kurt_order", "corr_buyorder_volume_price",
    ];

    /// <summary>+1: higher value, higher future return; −1 the opposite.</summary>
    public static readonly sbyte[] Directions =
    [
        -1, +1, -1, +1, +1, +1, +1, +1, +1, +1, -1, +1, -1, +1, -1,
        +1, +1, -1, +1, -1, +1, -1, -1,
        -1, -1, -1, -1,
    ];
}
